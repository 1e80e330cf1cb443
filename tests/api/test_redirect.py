"""The tap through the API: status, Location, what is recorded, what is not."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest

from chalicelib.base import aws
from chalicelib.storage import seam
from chalicelib.storage.tap import Click, tap_store
from chalicelib.tap import redirect
from tests.faults import Faulty
from tests.helpers import (
    ADMIN,
    FrozenClock,
    bearer,
    call,
    make_brand,
    make_creator,
    make_link,
    new_alias,
    stored_items,
)

IPHONE_TIKTOK = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US "
    "RevealType/Dialog isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture(autouse=True)
def fresh_link_cache():
    redirect.link_cache.clear()
    yield
    redirect.link_cache.clear()


@pytest.fixture
def demo(client):
    brand = make_brand(client)
    creator = make_creator(client)
    link = make_link(
        client, creator, brand, alias=new_alias("serum"),
        destination="https://shop.glow.example/p/serum?color=red#reviews", source="tiktok:video:7312",
    )
    return {"brand": brand, "creator": creator, "link": link, "path": f"/{link['code']}"}


def stored_clicks() -> list[Click]:
    """The clicks this test recorded."""
    return stored_items(Click)


def test_tap_redirects_with_click_id_and_records_the_click(client, demo):
    response = client.http.get(
        demo["path"] + "?utm_source=tiktok",
        headers={
            "User-Agent": IPHONE_TIKTOK,
            "Referer": "https://www.TikTok.com/@mia",
            "CloudFront-Viewer-Country": "us",
        },
    )
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith("https://shop.glow.example/p/serum?color=red&utm_source=tiktok&afl_click=")
    assert location.endswith("#reviews")
    click_id = location.split("afl_click=")[1].split("#")[0]
    assert 16 <= len(click_id) <= 40 and click_id.isalnum()

    [click] = stored_clicks()
    assert click.click_id == click_id
    assert click.code == demo["link"]["code"]
    assert click.creator_id == demo["creator"]["creator_id"]
    assert click.brand_id == demo["brand"]["brand_id"]
    assert click.referrer == "tiktok.com"
    assert click.country == "US"
    assert click.app == "tiktok"
    assert click.device == "mobile"
    assert click.via == "link"
    assert click.is_bot is False
    assert click.source == "tiktok:video:7312"
    assert "127.0.0.1" not in click.visitor_hash
    assert all("127.0.0.1" not in str(value) for value in click.attribute_values.values())
    assert click.expires_at > datetime.now(timezone.utc) + timedelta(days=119)


def test_click_without_referrer_or_country_is_direct_and_unknown(client, demo):
    client.http.get(demo["path"], headers={"User-Agent": IPHONE_TIKTOK})
    [click] = stored_clicks()
    assert click.referrer == "direct"
    assert click.country == "unknown"


def test_qr_taps_are_recorded_via_qr_and_qr_is_consumed(client, demo):
    response = client.http.get(demo["path"] + "?qr=1", headers={"User-Agent": IPHONE_TIKTOK})
    assert "qr=" not in response.headers["Location"]
    [click] = stored_clicks()
    assert click.via == "qr"


def test_bots_are_redirected_and_recorded_as_bots(client, demo):
    response = client.http.get(demo["path"], headers={"User-Agent": GOOGLEBOT})
    assert response.status_code == 302
    [click] = stored_clicks()
    assert click.is_bot is True


def test_head_answers_like_get_without_click_id_and_records_nothing(client, demo):
    response = client.http.request("HEAD", demo["path"] + "?x=1", headers={"User-Agent": IPHONE_TIKTOK})
    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.glow.example/p/serum?color=red&x=1#reviews"
    assert stored_clicks() == []


@pytest.mark.parametrize(
    "path", ["/nope", "/" + "a" * 41, "/bad%20code", "/%F0%9F%92%A5", "/a.b", "/..%2f"]
)
def test_unknown_or_malformed_codes_are_404_pages(client, demo, path):
    response = client.http.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Location" not in response.headers
    assert stored_clicks() == []


def test_other_methods_on_a_short_link_are_refused(client, demo):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = client.http.request(method, demo["path"])
        assert 400 <= response.status_code < 500, method
    assert stored_clicks() == []


def _gone(client, demo: dict) -> None:
    redirect.link_cache.clear()
    response = client.http.get(demo["path"], headers={"User-Agent": IPHONE_TIKTOK})
    assert response.status_code == 410
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Location" not in response.headers


def test_disabled_link_is_gone(client, demo):
    call(client, "PATCH", "/links" + demo["path"], {"disabled": True}, bearer(demo["creator"]["api_key"]))
    _gone(client, demo)
    assert stored_clicks() == []


def test_expired_link_is_gone(client, demo):
    moment = datetime.now(timezone.utc).replace(microsecond=0)
    clock = FrozenClock(moment)
    expires = (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    patched = call(
        client, "PATCH", "/links" + demo["path"], {"expires_at": expires}, bearer(demo["creator"]["api_key"])
    )
    assert patched.status_code == 200
    clock.move(timedelta(minutes=59))
    redirect.link_cache.clear()
    assert client.http.get(demo["path"]).status_code == 302
    clock.move(timedelta(minutes=1))
    _gone(client, demo)


def test_blocked_creator_links_are_gone(client, demo):
    response = call(
        client, "PUT", f"/me/creators/{demo['creator']['creator_id']}", {"status": "blocked"},
        bearer(demo["brand"]["api_key"]),
    )
    assert response.status_code == 200
    _gone(client, demo)


def test_destination_no_longer_allowed_is_gone(client, demo):
    response = call(
        client, "PATCH", f"/brands/{demo['brand']['brand_id']}", {"allowed_domains": ["other.example"]}, ADMIN
    )
    assert response.status_code == 200
    _gone(client, demo)


def test_changes_reach_a_warm_redirect_within_60_seconds(client, demo, monkeypatch):
    # Given a warm cache on a clock the test moves
    seconds = [1000.0]
    monkeypatch.setattr(redirect, "link_cache", redirect.TTLCache(clock=lambda: seconds[0]))
    assert client.http.get(demo["path"]).status_code == 302
    # When the creator disables the link
    patched = call(client, "PATCH", "/links" + demo["path"], {"disabled": True}, bearer(demo["creator"]["api_key"]))
    assert patched.status_code == 200
    # Then taps still redirect while the entry is fresh, and stop once 60 s have passed
    seconds[0] += 59
    assert client.http.get(demo["path"]).status_code == 302
    seconds[0] += 2
    assert client.http.get(demo["path"]).status_code == 410


def test_a_warm_redirect_makes_exactly_one_dynamodb_call(client, demo):
    calls: list[str] = []

    def count_call(event_name, **kwargs):
        calls.append(event_name)

    hooks = [aws.client("dynamodb", "tap").meta.events, aws.client("dynamodb").meta.events]
    client.http.get(demo["path"])  # warms the cache
    for events in hooks:
        events.register("before-call.dynamodb", count_call)
    try:
        response = client.http.get(demo["path"])
    finally:
        for events in hooks:
            events.unregister("before-call.dynamodb", count_call)
    assert response.status_code == 302
    assert calls == ["before-call.dynamodb.PutItem"]


def test_a_cold_redirect_costs_the_link_read_plus_one_more_read(client, demo):

    calls: list[str] = []

    def count_call(event_name, **kwargs):
        calls.append(event_name)

    events = aws.client("dynamodb", "tap").meta.events
    events.register("before-call.dynamodb", count_call)
    try:
        client.http.get(demo["path"])
    finally:
        events.unregister("before-call.dynamodb", count_call)
    assert calls == [
        "before-call.dynamodb.GetItem",
        "before-call.dynamodb.BatchGetItem",
        "before-call.dynamodb.PutItem",
    ]


@contextmanager
def _failing_link_reads(times: int) -> Iterator[list]:
    """Make the next `times` reads of a link by the redirect fail as an unreachable DynamoDB does
    (through the seam: the tap's store fails before the read)."""
    from botocore.exceptions import EndpointConnectionError

    failed: list = []

    def unreachable() -> Exception:
        failed.append(1)
        return EndpointConnectionError(endpoint_url="http://dynamodb")

    with seam.replaced(tap=Faulty(tap_store(), "read_link_and_terms", times=times, error=unreachable)):
        yield failed


def test_a_link_read_that_fails_once_is_read_again_and_the_tap_redirects(client, demo):
    with _failing_link_reads(1) as failed:
        response = client.http.get(demo["path"])
    assert failed == [1]
    assert response.status_code == 302


def test_a_link_that_cannot_be_read_at_all_is_a_503_page_never_a_redirect(client, demo):
    with _failing_link_reads(2) as failed:
        response = client.http.get(demo["path"])
    assert len(failed) == 2
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html") and b"Try again" in response.body
    assert stored_clicks() == []
