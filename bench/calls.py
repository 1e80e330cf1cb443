"""DynamoDB calls per operation, counted with botocore's event hooks on every client the app uses
(`bench/dynamodb_calls.py`), in-process moto."""
from __future__ import annotations

import contextlib
import io

from bench.report import Report, at_most

TIKTOK = "Mozilla/5.0 (iPhone) Mobile musical_ly_32.5.0 BytedanceWebview/d8a21c6"


def _fold_clicks() -> None:
    """The clicks' stream through the stats aggregator, as the local run reads it."""
    from chalicelib.stats import aggregator
    from chalicelib.storage.tap import Click
    from local.workers import StreamPump

    StreamPump(Click.Meta.table_name, lambda event, _context: aggregator.handle_click_batch(event), None,
               "us-east-1").step()


def bench_calls_per_operation(report: Report) -> None:
    from moto import mock_aws

    from bench.dynamodb_calls import counting_dynamodb_calls
    from bench.environment import in_process_moto
    from chalicelib.accounts import brands, creators
    from chalicelib.links import short_links
    from chalicelib.money import conversions
    from chalicelib.stats import reads
    from chalicelib.storage import schema
    from chalicelib.tap import redirect

    in_process_moto()

    def count(name: str, run, target: int | None = None, note: str = "") -> None:
        with counting_dynamodb_calls() as calls, contextlib.redirect_stdout(io.StringIO()):
            run()  # its log and metric lines are not the benchmark's output
        total = sum(calls.calls.values())
        detail = ", ".join(f"{n} {c}" for n, c in sorted(calls.calls.items()))
        report.add("DynamoDB calls", name, total, "calls",
                   target=None if target is None else f"≤ {target}",
                   check=None if target is None else at_most(target), note=(note + "; " if note else "") + detail)

    with mock_aws():
        schema.create_tables()
        brand = brands.create_brand({"name": "Calls", "allowed_domains": ["shop.example.com"], "hold_days": 0,
                                     "commission": {"type": "percent", "rate_bps": 1000}})
        creator = creators.create_creator({"handle": "calls.creator"})
        made = {}

        def create() -> None:
            made["link"] = short_links.create_link(creator["creator_id"], {
                "brand_id": brand["brand_id"], "destination": "https://shop.example.com/p"})

        count("link creation", create)
        code = made["link"]["code"]
        outcomes = []

        def tap() -> None:
            outcomes.append(redirect.follow(code=code, parameters={}, record=True, source_ip="198.51.100.7",
                                            user_agent=TIKTOK, referer=None, country_header="FR"))

        redirect.link_cache.clear()
        count("cold tap (the link, the brand and standing, the click)", tap, 3)
        count("warm tap", tap, 1)
        click_id = outcomes[0].click_id
        sale = {"type": "sale", "order_id": "bench-order", "click_id": click_id, "amount": 2599, "currency": "EUR"}
        count("sale", lambda: conversions.record_conversion(brand["brand_id"], sale))
        count("replayed sale", lambda: conversions.record_conversion(brand["brand_id"], sale))
        refund = {"type": "refund", "order_id": "bench-order", "refund_id": "bench-refund", "amount": 500}
        count("refund", lambda: conversions.record_conversion(brand["brand_id"], refund))
        _fold_clicks()  # the taps' clicks into the counters, as the stream's aggregator does
        count("30-day stats read of a link", lambda: reads.link_stats(creator["creator_id"], code, None, None), 1,
              note="one Query: its counters name its creator")
        count("30-day stats read of a creator (totals, days, top links)",
              lambda: reads.my_stats("creator", creator["creator_id"], None, None))
