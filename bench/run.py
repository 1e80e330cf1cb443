"""`make bench`: every hot path against its floor, with its target, measured and never asserted in
tests. Prints each figure as it comes and writes the table to bench/results.md and results.json
(the machine and the commit with it). No network: in-process moto, or a moto server it starts.

1. Warm tap vs floor: the API's Lambda handler and the tap function against a bare put_item of the
   same click item (bench/taps.py).
2. Cold tap vs floor: fresh interpreters, import and the first tap, against import boto3, one
   client, one GetItem and one PutItem, on a moto server (bench/taps.py).
3. DynamoDB calls per operation (bench/calls.py), the close's per approved conversion and the
   aggregator's writes per 1,000 clicks on one link (below).
4. Bot and app detection per user agent, warm and cold, on a mix of real user agents.
5. A viral link: 20,000 taps through the tap and the stats aggregator: writes per click and the
   largest share of writes one partition key receives.
6. The monthly close of 20,000 conversions across 1,000 creators: items read per approval, Scan
   calls, time, and the projected AWS time of a 100,000-conversion close.
"""
from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.environment import compile_like_the_package, in_process_moto, seed_viral_link  # noqa: E402
from bench.report import Report, at_most  # noqa: E402

REPORT = Report()


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
        REPORT.add("cold start", f"import {label}, median of {runs} fresh interpreters",
                   statistics.median(taken) * 1e3, "ms")


REAL_USER_AGENTS = [
    # in-app browsers of the apps creators post in
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/fr Region/FR BytedanceWebview/d8a21c6",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 trill_330404 JsSdk/1.0 NetType/4G Channel/googleplay",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "Instagram 312.0.1.19.124 (iPhone15,2; iOS 17_2; fr_FR; fr; scale=3.00; 1179x2556; 547556128)",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/119.0.6045.163 Mobile Safari/537.36 Instagram 309.1.0.41.113 Android",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[FBAN/FBIOS;FBAV/441.0.0.23.105;FBBV/540123456;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/16.6;FBLC/fr_FR]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "Snapchat/12.60.0.45 (like Safari/8614.1.25.0.31, panda)",
    # browsers
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36 Edg/120.0.2210.91",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 "
    "Mobile/15E148 Safari/604.1",
    # crawlers and link previews
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "WhatsApp/2.23.24.76 A",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.4.0",
    "python-requests/2.31.0",
]

COLD_USER_AGENT = """
import json, sys, time
agents = json.loads(sys.argv[1])
from chalicelib.tap import user_agents
timings = []
for agent in agents:
    start = time.perf_counter()
    user_agents.classify(agent)
    timings.append(time.perf_counter() - start)
print(json.dumps(timings))
"""


def bench_user_agents(runs: int = 5) -> None:
    """Warm: each real user agent classified uncached (the cache bypassed), after the crawler list is
    compiled. Cold: the first user agents of a fresh interpreter, as a Lambda cold start meets them."""
    import json

    from chalicelib.tap import user_agents

    classify = user_agents._classify  # the verdict without the cache
    for agent in REAL_USER_AGENTS:
        user_agents.classify(agent)  # the list compiled
    per_agent = []
    for agent in REAL_USER_AGENTS:
        start = time.perf_counter()
        for _ in range(200):
            classify(agent)
        per_agent.append((time.perf_counter() - start) / 200)
    REPORT.add("user agents", f"warm, median of {len(REAL_USER_AGENTS)} real user agents (uncached)",
               statistics.median(per_agent) * 1e6, "µs")
    REPORT.add("user agents", "warm, the slowest of them (uncached)", max(per_agent) * 1e6, "µs")
    firsts, rests = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", COLD_USER_AGENT, json.dumps(REAL_USER_AGENTS)], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        timings = json.loads(out.stdout)
        firsts.append(max(timings))  # whichever agent first needed the crawler list paid for it
        rests.append(statistics.median(timings))
    REPORT.add("user agents", "cold: the first user agent that needs the crawler list, median",
               statistics.median(firsts) * 1e3, "ms")
    REPORT.add("user agents", "cold: median user agent of a fresh interpreter", statistics.median(rests) * 1e6, "µs")


def _seed_conversions(count: int, first: datetime, prefix: str, creators: int, status: str = "pending",
                      statement_month: "str | None" = None) -> None:
    """`count` conversions from `first` on, a minute apart, written 25 at a time (BatchWriteItem)."""
    from datetime import timedelta

    import boto3

    from chalicelib.base.money import CommissionRule
    from chalicelib.base.timeutil import format_timestamp
    from chalicelib.storage import keys
    from chalicelib.storage.money import Conversion

    rule = CommissionRule.percent(1000)
    client = boto3.client("dynamodb", region_name="us-east-1")
    batch: list = []
    for i in range(count):
        occurred = first + timedelta(seconds=i * 60)
        conversion_id = f"cv_{prefix}{i:08d}"
        pending = {"pending_shard": keys.pending_shard(conversion_id),
                   "eligible_key": keys.eligible_key(occurred, 0, conversion_id)} if status == "pending" else {}
        batch.append({"PutRequest": {"Item": Conversion(
            f"br_bench{i % 50:03d}", f"{prefix}-{i}", conversion_id=conversion_id,
            creator_id=f"cr_bench{i % creators:05d}", link_code="viral", click_id=f"click{prefix}{i}",
            amount=2599, refunded_amount=0, currency="EUR", commission_amount=260, commission_currency="EUR",
            commission_rule=rule, hold_days=0, attribution_window_days=30, status=status,
            occurred_at=format_timestamp(occurred), received_at=format_timestamp(occurred),
            listing_key=keys.listing_key(occurred, conversion_id), statement_month=statement_month, **pending,
        ).serialize()}})
        if len(batch) == 25 or i == count - 1:
            client.batch_write_item(RequestItems={Conversion.Meta.table_name: batch})
            batch = []


def bench_close(conversions: int = 20_000, creators: int = 1_000) -> None:
    in_process_moto()
    from datetime import timezone

    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls
    from chalicelib.base import clock
    from chalicelib.money import close
    from chalicelib.storage import schema

    with mock_aws():
        schema.create_tables()
        _seed_conversions(conversions, datetime(2026, 11, 1, tzinfo=timezone.utc), "nov", creators)
        clock.set_clock(lambda: datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
        with counting_dynamodb_calls() as calls:
            start = time.perf_counter()
            result = close.close_month("2026-11")
            elapsed = time.perf_counter() - start
        clock.set_clock(None)
    assert result.conversions_approved == conversions, result
    section = f"close of {conversions:,} conversions, {creators:,} creators"
    REPORT.add(section, "items read per approved conversion", calls.items_read / conversions, target="≤ 1.1",
               check=at_most(1.1))
    REPORT.add(section, "Scan calls", calls.calls["Scan"], target="0", check=lambda value: value == 0)
    REPORT.add(section, "DynamoDB calls per approved conversion", sum(calls.calls.values()) / conversions,
               note=", ".join(f"{name} {count}" for name, count in sorted(calls.calls.items())))
    REPORT.add(section, "time in in-process moto", elapsed, "s",
               note=f"{result.statements} statements; moto's GSI Query reads its whole table")
    REPORT.add(section, "projected AWS time of a 100,000-conversion close",
               _projected_close_seconds(calls, conversions), "s", target="≤ 900 (Lambda's limit)",
               check=at_most(900), note="8 UpdateItem at a time at 6 ms, Query pages at 20 ms, batch writes at 15 ms")


def bench_close_among_other_months(creators: int = 1_000, second: int = 2_000) -> None:
    """The close of a month while `AFFILINK_BENCH_OTHER_MONTHS` (200,000) conversions of other
    months are stored: approved ones of earlier months and pending ones of later months."""
    in_process_moto()
    from datetime import timezone

    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls
    from chalicelib.base import clock
    from chalicelib.money import close
    from chalicelib.storage import schema

    others = int(os.environ.get("AFFILINK_BENCH_OTHER_MONTHS", "200000"))
    with mock_aws():
        schema.create_tables()
        _seed_conversions(others // 2, datetime(2026, 6, 1, tzinfo=timezone.utc), "old", creators,
                          status="approved", statement_month="2026-06")
        _seed_conversions(others - others // 2, datetime(2027, 2, 1, tzinfo=timezone.utc), "later", creators)
        _seed_conversions(second, datetime(2026, 12, 1, tzinfo=timezone.utc), "dec", creators)
        clock.set_clock(lambda: datetime(2027, 1, 1, 2, 0, tzinfo=timezone.utc))
        with counting_dynamodb_calls() as calls:
            result = close.close_month("2026-12")
        clock.set_clock(None)
    assert result.conversions_approved == second, result
    section = f"close with {others:,} conversions of other months stored"
    REPORT.add(section, f"items read per approved conversion (closing {second:,})", calls.items_read / second,
               target="≤ 1.1", check=at_most(1.1))
    REPORT.add(section, "Scan calls", calls.calls["Scan"], target="0", check=lambda value: value == 0)


def _projected_close_seconds(calls, conversions: int, scale_to: int = 100_000) -> float:
    """From the calls measured, scaled to `scale_to` conversions, with DynamoDB's published
    single-digit-millisecond latencies (taken at the high end): updates 8 at a time (the close's
    pool), everything else in sequence."""
    factor = scale_to / conversions
    updates = calls.calls["UpdateItem"] * factor * 0.006 / 8
    queries = calls.calls["Query"] * factor * 0.020
    writes = calls.calls["BatchWriteItem"] * factor * 0.015
    others = (calls.calls["GetItem"] + calls.calls["PutItem"]) * 0.005
    return updates + queries + writes + others


def bench_viral_link(taps: int = 20_000, visitors: int = 2_000) -> None:
    in_process_moto()
    import json
    from collections import Counter

    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls, on_every_dynamodb_client
    from chalicelib.base import config
    from chalicelib.stats import aggregator, reads
    from chalicelib.storage import schema
    from chalicelib.storage.tap import Click
    from chalicelib.tap import redirect
    from local.workers import StreamPump

    config.reset()
    partition_writes: Counter = Counter()

    def count_write(params, model, **_):
        body = params
        if model.name == "PutItem":
            key = body["Item"]["click_id"]  # the tap's only PutItem is a click
        else:
            key = next(iter(body["Key"].values()))
        partition_writes[f"{body['TableName']}:{json.dumps(key, sort_keys=True)}"] += 1

    with mock_aws():
        schema.create_tables()
        creator_id = seed_viral_link("viral.creator", "https://shop.example.com/p")
        # Every write of the taps and of the aggregation, whichever client makes it (the tap's click,
        # the aggregator's visitor marks and counters): PutItem is only ever the click.
        with on_every_dynamodb_client(("provide-client-params.dynamodb.PutItem", count_write),
                                      ("provide-client-params.dynamodb.UpdateItem", count_write)):
            start = time.perf_counter()
            for i in range(taps):
                visitor = i % visitors
                address = f"198.51.{visitor // 250}.{visitor % 250}"
                redirect.follow(code="viral", parameters={}, record=True, source_ip=address,
                                user_agent="Mozilla/5.0 (iPhone) Mobile musical_ly_32.5.0",
                                referer="https://www.tiktok.com/", country_header="FR")
            tapping = time.perf_counter() - start
            # The clicks' stream, read as the local run reads it (batches of 100, as in AWS)
            pump = StreamPump(Click.Meta.table_name,
                              lambda event, _context: aggregator.handle_click_batch(event), None, "us-east-1")
            start = time.perf_counter()
            pump.step()
            folding = time.perf_counter() - start
        with counting_dynamodb_calls() as calls:
            stats = reads.link_stats(creator_id, "viral", None, None)
    total = sum(partition_writes.values())
    hottest, hottest_writes = partition_writes.most_common(1)[0]
    section = f"viral link, {taps:,} taps from {visitors:,} visitors"
    REPORT.add(section, "writes per click (click, visitor marks, counters)", total / taps)
    REPORT.add(section, "aggregator writes per 1,000 clicks on the link", (total - taps) / taps * 1000,
               note="the counters and the visitor marks, batches of 100 from the stream")
    REPORT.add(section, "largest share of writes on one partition key", hottest_writes / total * 100, "%",
               target="≤ 1 %", check=at_most(1.0), note=hottest.split(":", 1)[1][:40])
    REPORT.add(section, "30-day stats read of the link: Query calls", calls.calls["Query"], target="1",
               check=lambda value: value == 1, note=f"{stats['totals']['clicks']:,} clicks counted")
    REPORT.add(section, "time: taps, then the aggregation", tapping + folding, "s",
               note=f"{tapping:.1f} s + {folding:.1f} s in in-process moto")


HEAVY = {"viral": "bench_viral_link", "close": "bench_close", "close-among-others": "bench_close_among_other_months"}


def _run_heavy_sections_in_parallel() -> None:
    """The three long sections (minutes each in moto) as separate processes, two cores' worth at
    once; each writes its figures as JSON, merged here in a fixed order."""
    import json
    import tempfile

    from bench.report import Figure

    folder = Path(tempfile.mkdtemp(prefix="affilink-bench-"))
    processes = {name: subprocess.Popen([sys.executable, "-m", "bench.run", "--section", name,
                                         "--figures", str(folder / f"{name}.json")], cwd=ROOT,
                                        stdout=subprocess.DEVNULL)
                 for name in HEAVY}
    for name, process in processes.items():
        if process.wait() != 0:
            raise SystemExit(f"bench section {name} failed (exit {process.returncode})")
        for figure in json.loads((folder / f"{name}.json").read_text()):
            REPORT.append(Figure(**figure))


def main() -> None:
    import argparse
    import json
    from dataclasses import asdict

    from bench.calls import bench_calls_per_operation
    from bench.taps import bench_cold_tap, bench_warm_tap

    parser = argparse.ArgumentParser()
    parser.add_argument("--section", choices=sorted(HEAVY))
    parser.add_argument("--figures")
    arguments = parser.parse_args()
    if arguments.section:
        with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):  # the app's log and metric lines
            globals()[HEAVY[arguments.section]]()
        Path(arguments.figures).write_text(json.dumps([asdict(figure) for figure in REPORT.figures]))
        return
    started = time.perf_counter()
    compile_like_the_package()
    bench_warm_tap(REPORT)
    bench_cold_tap(REPORT)
    bench_cold_import()
    bench_calls_per_operation(REPORT)
    bench_user_agents()
    _run_heavy_sections_in_parallel()
    REPORT.add("the benchmark", "its own time", time.perf_counter() - started, "s")
    REPORT.write(ROOT / "bench")


if __name__ == "__main__":
    main()
