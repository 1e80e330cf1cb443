"""The tap against its physical floor: what DynamoDB's own write costs on the same backend.

Warm: `GET /{code}` through the API's Lambda handler (`app.handler`, an API Gateway event) and
through the tap function's handler (a function-URL event), against one bare `put_item` of the
same click item on the same client, interleaved so that a busy moment hurts both alike.
Cold: fresh interpreters against a moto server, `import app` (or the tap function's module) and
the first tap, against fresh interpreters doing `import boto3`, one client, one GetItem and one
PutItem.
"""
from __future__ import annotations

import contextlib
import gc
import os
import random
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any, Callable

from bench.report import ROOT, Report, at_most

CONTEXT = SimpleNamespace(aws_request_id="bench", function_name="bench", memory_limit_in_mb=512,
                          invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:bench")
TIKTOK = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 musical_ly_32.5.0 "
          "BytedanceWebview/d8a21c6")


SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1.2 Mobile/15E148 Safari/604.1")


def api_event(code: str, address: str = "198.51.100.7", user_agent: str = TIKTOK) -> dict[str, Any]:
    """What API Gateway (REST, proxy) gives the API function for a tap."""
    headers = {"User-Agent": user_agent, "Referer": "https://www.tiktok.com/", "CloudFront-Viewer-Country": "FR",
               "Host": "k3x9.execute-api.eu-west-3.amazonaws.com"}
    return {
        "resource": "/{code}", "path": f"/{code}", "httpMethod": "GET", "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"code": code}, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/{code}", "httpMethod": "GET", "path": f"/api/{code}", "stage": "api",
                           "requestId": "bench", "identity": {"sourceIp": address}},
    }


def function_url_event(code: str, address: str = "198.51.100.7", user_agent: str = TIKTOK) -> dict[str, Any]:
    """What CloudFront's origin request gives the tap function."""
    return {
        "version": "2.0", "rawPath": f"/{code}", "rawQueryString": "",
        "headers": {"user-agent": user_agent, "referer": "https://www.tiktok.com/", "cloudfront-viewer-country": "FR",
                    "cloudfront-viewer-address": f"{address}:50321"},
        "requestContext": {"http": {"method": "GET", "path": f"/{code}", "sourceIp": "130.176.1.1"}},
        "isBase64Encoded": False,
    }


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _set_aside_the_backend() -> None:
    """Untimed: move what this process holds so far (in-process moto's every stored item among it)
    out of the garbage collector's sight. In Lambda the table is not in the process's heap; here
    it grows by three items a round, and each full collection walking it landed a pause of
    milliseconds on whichever sample triggered it, so p99 swung from 0.8x to 1.5x between runs.
    Collections of what a tap allocates still happen on the clock, as they would in Lambda."""
    gc.collect()
    gc.freeze()


def bench_warm_tap(report: Report, taps: int = 6000) -> None:
    from moto import mock_aws

    from bench.environment import in_process_moto, seed_viral_link
    from chalicelib.base import aws
    from chalicelib.storage import schema
    from chalicelib.storage.tap import Click

    in_process_moto()
    with mock_aws():
        schema.create_tables()
        seed_viral_link("warm.creator", "https://shop.example.com/p?x=1")
        import app
        from chalicelib.web import tap_function

        assert app.handler(api_event("viral"), CONTEXT)["statusCode"] == 302
        client = aws.client("dynamodb", "tap")
        table = Click.Meta.table_name
        stored = client.scan(TableName=table, Limit=1)["Items"][0]  # the click the tap just wrote
        counter = [0]

        def bare_put() -> None:
            counter[0] += 1
            client.put_item(TableName=table, Item={**stored, "click_id": {"S": f"floor{counter[0]:012d}"}})

        # The events are Lambda's to build, before the handler runs: made once, outside the clock
        # (neither handler changes its event).
        through_api, through_function = api_event("viral"), function_url_event("viral")
        paths: dict[str, Callable[[], Any]] = {
            "API Lambda handler": lambda: app.handler(through_api, CONTEXT),
            "tap function": lambda: tap_function.handler(through_function, CONTEXT),
        }
        samples: dict[str, list[float]] = {"floor": [], **{name: [] for name in paths}}
        # the app's own output (none for a redirect) is not the bench's
        with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
            for _ in range(200):  # warm up every path
                bare_put()
                for run in paths.values():
                    run()
            timed = [("floor", bare_put), *paths.items()]
            order = random.Random(13)  # each round in its own order: no path always follows another
            for round_number in range(taps):
                if round_number % 250 == 0:
                    _set_aside_the_backend()
                order.shuffle(timed)
                for name, run in timed:
                    start = time.perf_counter()
                    run()
                    samples[name].append(time.perf_counter() - start)
    floor_median, floor_p99 = statistics.median(samples["floor"]), _quantile(samples["floor"], 0.99)
    report.add("warm tap", "bare put_item of the same click item (the floor), median", floor_median * 1e3, "ms")
    for name in paths:
        median, p99 = statistics.median(samples[name]), _quantile(samples[name], 0.99)
        report.add("warm tap", f"{name}, median vs floor", median / floor_median, "x", target="≤ 1.15",
                   check=at_most(1.15), note=f"{median * 1e3:.2f} ms vs {floor_median * 1e3:.2f} ms")
        report.add("warm tap", f"{name}, p99 vs floor p99", p99 / floor_p99, "x", target="≤ 1.15",
                   check=at_most(1.15), note=f"{p99 * 1e3:.2f} ms vs {floor_p99 * 1e3:.2f} ms")


FLOOR_SCRIPT = """
import time
start = time.perf_counter()
import boto3
client = boto3.client("dynamodb")
client.get_item(TableName="affilink-links", Key={"code": {"S": "viral"}})
client.put_item(TableName="affilink-clicks", Item={"click_id": {"S": "cold%s"}, "code": {"S": "viral"}})
print(time.perf_counter() - start)
"""

TAP_SCRIPT = """
import json, sys, time
start = time.perf_counter()
from types import SimpleNamespace
context = SimpleNamespace(aws_request_id="cold", function_name="cold", memory_limit_in_mb=512,
                          invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:cold")
event = json.loads(sys.argv[1])
if sys.argv[2] == "app":
    import app
    answer = app.handler(event, context)
else:
    from chalicelib.web import tap_function
    answer = tap_function.handler(event, context)
elapsed = time.perf_counter() - start
assert answer["statusCode"] == 302, answer
print(elapsed, file=sys.stderr)
"""


# The first tap of a process, from an in-app browser (most taps on a video's link) and from a
# plain browser, whose verdict needs the crawler list made ready on the way.
COLD_TAPS = (
    ("app.py + the first tap", "app", api_event("viral")),
    ("the tap function + the first tap", "tap", function_url_event("viral")),
    ("app.py + the first tap from Safari (the crawler list on the way)", "app", api_event("viral", user_agent=SAFARI)),
    ("the tap function + the first tap from Safari (the crawler list on the way)", "tap",
     function_url_event("viral", user_agent=SAFARI)),
)


def bench_cold_tap(report: Report, runs: int = 9) -> None:
    import json
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's access log
    from bench.environment import BENCH_ENVIRONMENT, forget_clients, seed_viral_link
    from chalicelib.storage import schema

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # a free port, as make run's
    server.start()
    host, port = server.get_host_and_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_"))},
        **BENCH_ENVIRONMENT, "AWS_ENDPOINT_URL_DYNAMODB": f"http://{host}:{port}",
    }
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(environment)
        forget_clients()
        schema.create_tables()
        seed_viral_link("cold.creator", "https://shop.example.com/p")
        taps = {label: (kind, event) for label, kind, event in COLD_TAPS}
        samples: dict[str, list[float]] = {"floor": [], **{label: [] for label in taps}}
        for run in range(runs):
            out = subprocess.run([sys.executable, "-c", FLOOR_SCRIPT % run], cwd=ROOT, env=environment,
                                 capture_output=True, text=True, check=True)
            samples["floor"].append(float(out.stdout.strip()))
            for label, (kind, event) in taps.items():
                out = subprocess.run([sys.executable, "-c", TAP_SCRIPT, json.dumps(event), kind], cwd=ROOT,
                                     env=environment, capture_output=True, text=True, check=True)
                samples[label].append(float(out.stderr.strip().splitlines()[-1]))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forget_clients()
        server.stop()
    floor = statistics.median(samples["floor"])
    report.add("cold tap", "import boto3, one client, GetItem, PutItem (the floor), median", floor * 1e3, "ms")
    for label in taps:
        median = statistics.median(samples[label])
        report.add("cold tap", f"import {label}, median vs floor", median / floor, "x",
                   target="≤ 1.2", check=at_most(1.2), note=f"{median * 1e3:.0f} ms vs {floor * 1e3:.0f} ms")
