"""`make bench`: how fast the tap is, measured, not asserted.

1. Cold import of `app.py` (what every cold start of the API's functions pays) and of the tap
   function's module (`chalicelib/web/tap_function.py`, the short-link domain's), in fresh
   interpreters, alternating.
2. The redirect in-process (`redirect.follow`, warm cache) against in-process moto:
   our code plus moto's PutItem, per tap.
3. User-agent classification: uncached (the whole bot list) and cached.
4. Taps over HTTP against the local server (`make run`'s), sequential.
5. The monthly close of 20,000 conversions across 1,000 creators (in-process moto):
   items read per approval, Scan calls, and time.
6. A viral link: 20,000 taps on one link through the tap and the stats aggregator (fed from
   the clicks' stream in batches of 100): writes per click, the largest share of all writes
   one partition key receives (raw clicks included), and a 30-day stats read.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {pick(0.50) * 1e3:.2f} ms  p95 {pick(0.95) * 1e3:.2f} ms  p99 {pick(0.99) * 1e3:.2f} ms"


def _in_process_moto_environment() -> None:
    """Fake credentials and settings for a benchmark against in-process moto (never AWS)."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "b", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "us-east-1",
                       "AFFILINK_ADMIN_KEY": "bench-admin", "AFFILINK_SECRET": "bench-secret"})
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)


def _seed_viral_link(handle: str, destination: str) -> str:
    """A brand, a creator and the creator's link `viral` (in the current moto); the creator's id."""
    from chalicelib.accounts import brands, creators
    from chalicelib.links import short_links

    brand = brands.create_brand({"name": "Bench", "allowed_domains": ["shop.example.com"],
                                 "commission": {"type": "percent", "rate_bps": 1000}})
    creator = creators.create_creator({"handle": handle})
    short_links.create_link(creator["creator_id"], {"brand_id": brand["brand_id"], "alias": "viral",
                                                    "destination": destination})
    return creator["creator_id"]


def bench_cold_import(runs: int = 7) -> None:
    modules = {"app.py": "app", "the tap function": "chalicelib.web.tap_function"}
    samples: dict[str, list[float]] = {label: [] for label in modules}
    for _ in range(runs):
        for label, module in modules.items():  # alternating, so a busy moment hurts both alike
            out = subprocess.run(
                [sys.executable, "-c",
                 f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"],
                cwd=ROOT, capture_output=True, text=True, check=True,
                env={**os.environ, "AFFILINK_ADMIN_KEY": "x", "AFFILINK_SECRET": "x"},
            )
            samples[label].append(float(out.stdout.strip()))
    for label, taken in samples.items():
        print(f"cold import of {label}: median {statistics.median(taken) * 1e3:.0f} ms over {runs} runs")


def bench_redirect_in_process(taps: int = 2000) -> None:
    _in_process_moto_environment()
    from moto import mock_aws

    from chalicelib.base import config
    from chalicelib.storage import schema
    from chalicelib.tap import redirect

    config.reset()
    with mock_aws():
        schema.create_tables()
        _seed_viral_link("bench", "https://shop.example.com/p?x=1")
        agents = [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 musical_ly_32.5.0 "
            "BytedanceWebview/d8a21c6",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        ]
        samples = []
        for i in range(taps):
            start = time.perf_counter()
            outcome = redirect.follow(code="viral", parameters={}, record=True, source_ip=f"198.51.100.{i % 250}",
                                      user_agent=agents[i % 3], referer="https://www.tiktok.com/", country_header="US")
            samples.append(time.perf_counter() - start)
            assert outcome.status == 302
        print(f"warm redirect in-process (moto PutItem included), {taps} taps: {_percentiles(samples)}")


def bench_user_agents() -> None:
    from chalicelib.tap import user_agents as useragents

    agents = [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/{v}.0 Safari/537.36"
              for v in range(1000)]
    classify = getattr(useragents.classify, "__wrapped__", useragents.classify)
    useragents.classify(agents[0])  # compile the list once
    start = time.perf_counter()
    for agent in agents:
        classify(agent)
    uncached = (time.perf_counter() - start) / len(agents)
    start = time.perf_counter()
    for _ in range(10):
        for agent in agents[:100]:
            useragents.classify(agent)
    cached = (time.perf_counter() - start) / 1000
    print(f"user-agent classification: uncached {uncached * 1e6:.0f} µs, cached {cached * 1e6:.2f} µs")


def bench_http(taps: int = 500) -> None:
    import re
    import socket

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_"))}
    env["PORT"] = str(port)
    process = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        text = ""
        deadline = time.time() + 90
        while "Ctrl-C" not in text and time.time() < deadline:
            text += process.stdout.readline()
        short_url = re.search(r"demo short link:\s+(\S+)", text).group(1)
        import threading

        threading.Thread(target=process.stdout.read, daemon=True).start()  # never let the log pipe fill
        session = requests.Session()
        samples = []
        for _ in range(taps):
            start = time.perf_counter()
            response = session.get(short_url, allow_redirects=False, timeout=10)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 302
        print(f"taps over HTTP against the local server, {taps} sequential: {_percentiles(samples)}")
    finally:
        process.terminate()
        process.wait(timeout=15)


def bench_close(conversions: int = 20_000, creators: int = 1_000) -> None:
    _in_process_moto_environment()
    from datetime import datetime, timedelta, timezone

    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls
    from chalicelib.base import clock, config
    from chalicelib.base.money import CommissionRule
    from chalicelib.base.timeutil import format_timestamp
    from chalicelib.money import close
    from chalicelib.storage import keys, schema
    from chalicelib.storage.money import Conversion

    config.reset()
    rule = CommissionRule.percent(1000)
    month_start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with mock_aws():
        schema.create_tables()
        with Conversion.batch_write() as batch:
            for i in range(conversions):
                occurred = month_start + timedelta(seconds=i * 60)
                conversion_id = f"cv_bench{i:08d}"
                batch.save(Conversion(
                    f"br_bench{i % 50:03d}", f"order-{i}", conversion_id=conversion_id,
                    creator_id=f"cr_bench{i % creators:05d}", link_code="viral", click_id=f"click{i}",
                    amount=2599, refunded_amount=0, currency="EUR", commission_amount=260, commission_currency="EUR",
                    commission_rule=rule, hold_days=0, attribution_window_days=30, status="pending",
                    occurred_at=format_timestamp(occurred), received_at=format_timestamp(occurred),
                    listing_key=keys.listing_key(occurred, conversion_id),
                    pending_shard=keys.pending_shard(conversion_id),
                    eligible_key=keys.eligible_key(occurred, 0, conversion_id),
                ))
        clock.set_clock(lambda: datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
        with counting_dynamodb_calls() as calls:
            start = time.perf_counter()
            result = close.close_month("2026-11")
            elapsed = time.perf_counter() - start
        clock.set_clock(None)
    assert result.conversions_approved == conversions, result
    print(f"monthly close, {conversions} conversions across {creators} creators: {elapsed:.1f} s "
          f"({elapsed / conversions * 1e3:.2f} ms per approval), "
          f"{calls.items_read / conversions:.3f} items read per approval, Scan calls {calls.calls['Scan']}, "
          f"{result.statements} statements")


def bench_viral_link(taps: int = 20_000, visitors: int = 2_000) -> None:
    _in_process_moto_environment()
    import json
    from collections import Counter

    import boto3
    from botocore.config import Config
    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls
    from chalicelib.base import config
    from chalicelib.stats import aggregator, reads
    from chalicelib.storage import schema
    from chalicelib.storage import tap as tap_storage
    from chalicelib.storage.stats import client as stats_client
    from chalicelib.storage.tap import Click
    from chalicelib.tap import redirect

    config.reset()
    partition_writes: Counter = Counter()

    def count_write(params, model, **_):
        body = params
        if model.name == "PutItem":
            key = next(iter(body["Item"].values()))  # the first attribute of a click is its key
            key = body["Item"].get("click_id", key)
        else:
            key = next(iter(body["Key"].values()))
        partition_writes[f"{body['TableName']}:{json.dumps(key, sort_keys=True)}"] += 1

    with mock_aws():
        schema.create_tables()
        creator_id = _seed_viral_link("viral.creator", "https://shop.example.com/p")
        for client in (tap_storage.fast_dynamodb_client(), stats_client()):
            client.meta.events.register("provide-client-params.dynamodb.PutItem", count_write)
            client.meta.events.register("provide-client-params.dynamodb.UpdateItem", count_write)
        start = time.perf_counter()
        for i in range(taps):
            visitor = i % visitors
            address = f"198.51.{visitor // 250}.{visitor % 250}"
            redirect.follow(code="viral", parameters={}, record=True, source_ip=address,
                            user_agent="Mozilla/5.0 (iPhone) Mobile musical_ly_32.5.0",
                            referer="https://www.tiktok.com/", country_header="FR")
        tapping = time.perf_counter() - start
        streams = boto3.client("dynamodbstreams", region_name="us-east-1",
                               config=Config(account_id_endpoint_mode="disabled"))
        arn = boto3.client("dynamodb", region_name="us-east-1").describe_table(
            TableName=Click.Meta.table_name)["Table"]["LatestStreamArn"]
        start = time.perf_counter()
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                response = streams.get_records(ShardIterator=iterator, Limit=100)
                if not response["Records"]:
                    break
                aggregator.aggregate(response["Records"], "clicks", shard["ShardId"])
                iterator = response.get("NextShardIterator")
        folding = time.perf_counter() - start
        with counting_dynamodb_calls() as calls:
            stats = reads.link_stats(creator_id, "viral", None, None)
    total = sum(partition_writes.values())
    hottest, hottest_writes = partition_writes.most_common(1)[0]
    print(f"viral link, {taps} taps from {visitors} visitors: {total / taps:.2f} writes per click "
          f"(tap {tapping:.1f} s, aggregation {folding:.1f} s); the hottest partition key "
          f"({hottest.split(':', 1)[1][:40]}) took {hottest_writes / total:.2%} of {total} writes; "
          f"a 30-day stats read: {calls.calls['Query']} Query, {stats['totals']['clicks']} clicks counted")


if __name__ == "__main__":
    bench_cold_import()
    bench_user_agents()
    bench_redirect_in_process()
    bench_http()
    bench_close()
    bench_viral_link()
