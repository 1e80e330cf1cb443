"""The tap's CloudWatch metrics (EMF lines on stdout): unknown codes and spooled clicks from the
tap, clicks and bot clicks from the stats aggregator; and a sale's."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from app import aggregate_click_stats
from chalicelib.storage import seam
from chalicelib.storage.tap import Click, tap_store
from chalicelib.tap import redirect
from tests.faults import Faulty
from tests.helpers import (
    Shard,
    bearer,
    call,
    emitted_metrics,
    make_brand,
    make_creator,
    make_link,
    new_alias,
    stored_items,
)

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


@pytest.fixture
def link(client):
    redirect.link_cache.clear()
    return make_link(client, make_creator(client), make_brand(client), alias=new_alias("metered"))


def test_unknown_codes_are_counted_by_the_tap_and_clicks_by_the_stats_aggregator(client, link, capsys):
    capsys.readouterr()
    client.http.get(f"/{link['code']}", headers={"User-Agent": IPHONE})
    client.http.get(f"/{link['code']}", headers={"User-Agent": GOOGLEBOT})
    client.http.get("/no-such-code")
    by_the_taps = emitted_metrics(capsys.readouterr().out)
    # A redirect writes no metric line (a flush per tap cost a tenth of a millisecond, issue 13)
    assert by_the_taps == {"UnknownCodes": 1}
    # When the clicks' stream delivers the two clicks to the stats aggregator
    shard = Shard()
    clicks = [stored for stored in stored_items(Click) if stored.code == link["code"]]
    aggregate_click_stats(shard.event([shard.record("INSERT", stored.serialize()) for stored in clicks]), None)
    by_the_aggregator = emitted_metrics(capsys.readouterr().out)
    assert (by_the_aggregator["Clicks"], by_the_aggregator["BotClicks"]) == (2, 1)


def test_spooled_clicks_are_counted(client, link, capsys):
    def throttled() -> Exception:
        return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "PutItem")

    capsys.readouterr()
    with seam.replaced(tap=Faulty(tap_store(), "put_click_once", error=throttled)):
        assert client.http.get(f"/{link['code']}", headers={"User-Agent": IPHONE}).status_code == 302
    assert emitted_metrics(capsys.readouterr().out)["SpooledClicks"] == 1


def test_conversions_unattributed_ones_and_commission_per_currency_are_counted(client, capsys):
    redirect.link_cache.clear()
    brand = make_brand(client)
    sold = make_link(client, make_creator(client), brand, alias=new_alias("sold"))
    client.http.get(f"/{sold['code']}", headers={"User-Agent": IPHONE})
    [click] = stored_items(Click)
    capsys.readouterr()
    for sale in (
        {"type": "sale", "order_id": "o-1", "amount": 2599, "currency": "USD"},
        {"type": "sale", "order_id": "o-2", "amount": 2599, "currency": "usd", "click_id": click.click_id},
    ):
        assert call(client, "POST", "/conversions", sale, bearer(brand["api_key"])).status_code == 201
    output = capsys.readouterr().out
    counted = emitted_metrics(output)
    assert counted["Conversions"] == 2
    assert counted["UnattributedConversions"] == 1
    assert counted["CommissionAmount"] == 260  # 0 for the unattributed sale, 260 for the attributed one
    assert '"currency":"USD"' in output
