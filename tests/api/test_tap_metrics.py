"""The tap's CloudWatch metrics (EMF lines on stdout): clicks, bot clicks,
spooled clicks, unknown codes."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from chalicelib import models, redirect
from tests.helpers import make_brand, make_creator, make_link

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


@pytest.fixture
def link(client):
    redirect.link_cache.clear()
    return make_link(client, make_creator(client), make_brand(client), alias="metered")


def _metrics(output: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    values if isinstance(values, list) else [values]
                )
    return totals


def test_human_and_bot_clicks_and_unknown_codes_are_counted(client, link, capsys):
    capsys.readouterr()
    client.http.get("/metered", headers={"User-Agent": IPHONE})
    client.http.get("/metered", headers={"User-Agent": GOOGLEBOT})
    client.http.get("/no-such-code")
    counted = _metrics(capsys.readouterr().out)
    assert counted["Clicks"] == 2
    assert counted["BotClicks"] == 1
    assert counted["UnknownCodes"] == 1
    assert "SpooledClicks" not in counted


def test_spooled_clicks_are_counted(client, link, capsys):
    def throttle(**kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "PutItem")

    events = models.fast_dynamodb_client().meta.events
    events.register("before-call.dynamodb.PutItem", throttle)
    capsys.readouterr()
    try:
        assert client.http.get("/metered", headers={"User-Agent": IPHONE}).status_code == 302
    finally:
        events.unregister("before-call.dynamodb.PutItem", throttle)
    assert _metrics(capsys.readouterr().out)["SpooledClicks"] == 1
