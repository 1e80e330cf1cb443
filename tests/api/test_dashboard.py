"""The dashboard under /app, through `chalice.test.Client`: sign-in and sessions, CSRF, every page
of both roles (numbers equal to the JSON API's), French and English, tenants kept apart, and no
key or secret on any page."""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import urlencode

import pytest

from app import aggregate_click_stats, aggregate_conversion_stats
from chalicelib.base import config
from chalicelib.storage.money import Conversion
from chalicelib.storage.rate_limits import RateLimitCounter
from chalicelib.storage.tap import Click
from tests.helpers import (
    ADMIN,
    TEST_ADMIN_KEY,
    Shard,
    Stored,
    bearer,
    call,
    click_id_of,
    make_brand,
    make_creator,
    make_link,
    new_alias,
    new_id,
    stored_items,
)

IPHONE_TIKTOK = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Mobile/15E148 musical_ly_32.5.0 BytedanceWebview/d8a21c6")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NBSP = ("\u00a0", "\u202f")


# --- a browser, as far as cookies and forms go ---------------------------------------------------------


class Browser:
    """Cookies kept between requests, forms filled from the page's own CSRF field."""

    def __init__(self, client, language: Optional[str] = None):
        self.client = client
        self.cookies: dict[str, str] = {}
        self.language = language
        self.last = None

    def _headers(self, extra: Optional[dict] = None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.language:
            headers["Accept-Language"] = self.language
        return headers

    def _keep(self, response) -> None:
        set_cookie = response.headers.get("Set-Cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in set_cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        self.last = response

    def get(self, path: str):
        response = self.client.http.get(path, headers=self._headers())
        self._keep(response)
        return response

    def post(self, path: str, fields: dict):
        response = self.client.http.post(path, headers=self._headers(FORM), body=urlencode(fields))
        self._keep(response)
        return response

    def csrf(self, path: str = "/app") -> str:
        return re.search(r'name="csrf" value="([^"]*)"', self.get(path).body.decode()).group(1)

    def sign_in(self, key: str):
        page = self.get("/app/login").body.decode()
        nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
        return self.post("/app/login", {"nonce": nonce, "api_key": key})


def text(response) -> str:
    return response.body.decode("utf-8")


def tile(response, element_id: str) -> str:
    """The visible text of the element with this id, spaces normalised."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</dd>', text(response), re.S)
    assert found, f"no #{element_id} on the page"
    plain = html.unescape(re.sub(r"<br>", " | ", re.sub(r"<(?!br)[^>]+>", "", found.group(1))))
    for space in NBSP:
        plain = plain.replace(space, " ")
    return plain.strip()


def normalised(page: str) -> str:
    plain = html.unescape(page)
    for space in NBSP:
        plain = plain.replace(space, " ")
    return plain


# --- a shop with activity ---------------------------------------------------------------------------------


def fold_streams() -> None:
    """What the stream aggregators do in AWS, for what this test stored."""
    clicks, conversions = Shard(), Shard()
    aggregate_click_stats(clicks.event([clicks.record("INSERT", c.serialize()) for c in stored_items(Click)]), None)
    records = [conversions.record("INSERT", c.serialize()) for c in stored_items(Conversion)]
    if records:
        aggregate_conversion_stats(conversions.event(records), None)


@pytest.fixture
def shop(client, clock, empty_tables):
    """A brand paying 10 % with no hold, a creator, a link tapped three times (two visitors), one
    sale of 25.99 EUR in November, and November closed (statement: 2.60 EUR)."""
    brand = make_brand(client, hold_days=0)
    creator = make_creator(client)
    link = make_link(client, creator, brand, alias=new_alias("serum"))
    viewer = {"User-Agent": IPHONE_TIKTOK, "CloudFront-Viewer-Country": "FR"}
    taps = [client.http.get(f"/{link['code']}", headers=viewer) for _ in range(2)]
    client.http.get(f"/{link['code']}?qr=1", headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120"})
    sale = call(client, "POST", "/conversions", {
        "type": "sale", "order_id": new_id("order"), "click_id": click_id_of(taps[0]), "amount": 2599,
        "currency": "EUR"}, bearer(brand["api_key"]))
    assert sale.status_code == 201, sale.body
    fold_streams()
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    closed = call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN)
    assert closed.status_code == 200, closed.body
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    return {"brand": brand, "creator": creator, "link": link, "sale": sale.json}


def json_api(client, path: str, key: str) -> dict:
    response = call(client, "GET", path, headers=bearer(key))
    assert response.status_code == 200, response.body
    return response.json


# --- signing in and out --------------------------------------------------------------------------------------


def test_signing_in_with_a_creator_key_opens_a_session_in_a_protected_cookie(client, shop):
    browser = Browser(client)
    answer = browser.sign_in(shop["creator"]["api_key"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/app"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("afl_session=")
    for attribute in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/app"):
        assert attribute in cookie
    token = browser.cookies["afl_session"]
    assert shop["creator"]["api_key"] not in token  # the session names the key's hash, not the key
    overview = browser.get("/app")
    assert overview.status_code == 200
    assert "Your last 30 days" in text(overview)
    assert overview.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in overview.headers["Content-Security-Policy"]


def test_the_session_cookie_is_not_secure_only_on_plain_local_http(client, shop, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    config.reset()
    cookie = Browser(client).sign_in(shop["brand"]["api_key"]).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://affilink.example")
    config.reset()
    assert "Secure" in Browser(client).sign_in(shop["brand"]["api_key"]).headers["Set-Cookie"]


@pytest.mark.parametrize("key", ["afl_c_not-a-real-key", "", TEST_ADMIN_KEY, "x" * 500])
def test_a_wrong_key_shows_the_form_again_with_a_message_and_sets_no_cookie(client, shop, key):
    browser = Browser(client)
    answer = browser.sign_in(key)
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    page = text(answer)
    assert 'class="error"' in page and 'name="api_key"' in page
    assert "afl_session" not in browser.cookies
    assert browser.get("/app").status_code == 303  # still signed out


def test_sign_in_without_its_form_s_nonce_is_refused(client, shop):
    answer = client.http.post("/app/login", headers=FORM, body=urlencode({"api_key": shop["creator"]["api_key"]}))
    assert answer.status_code == 403 and "Set-Cookie" not in answer.headers


def test_signing_out_clears_the_cookie(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    answer = browser.post("/app/logout", {"csrf": browser.csrf()})
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/login"
    assert "afl_session=;" in answer.headers["Set-Cookie"] and "Max-Age=0" in answer.headers["Set-Cookie"]
    answer = browser.get("/app")
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/login"


def test_rotating_the_key_ends_the_session(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    csrf = browser.csrf()
    assert browser.get("/app/links").status_code == 200
    # When the admin rotates the creator's key
    rotated = call(client, "POST", f"/creators/{shop['creator']['creator_id']}/rotate-key", headers=ADMIN)
    assert rotated.status_code == 200
    # Then the old session sends back to sign-in, and its forms are refused
    answer = browser.get("/app/links")
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/login"
    stored = Stored()
    refused = browser.post("/app/links", {"csrf": csrf, "brand_id": shop["brand"]["brand_id"],
                                          "destination": "https://shop.glow.example/p/x"})
    assert refused.status_code == 403
    assert stored.changes() == {}
    # And the new key signs in
    assert Browser(client).sign_in(rotated.json["api_key"]).status_code == 303


# --- CSRF ------------------------------------------------------------------------------------------------------


def test_every_form_is_refused_without_the_session_s_csrf_token_and_writes_nothing(client, shop):
    creator, brand = Browser(client), Browser(client)
    creator.sign_in(shop["creator"]["api_key"])
    brand.sign_in(shop["brand"]["api_key"])
    other = Browser(client)
    other.sign_in(make_creator(client)["api_key"])
    foreign_token = other.csrf()
    forms = [
        (creator, "/app/links", {"brand_id": shop["brand"]["brand_id"], "destination": "https://shop.glow.example/p"}),
        (creator, "/app/logout", {}),
        (brand, "/app/statements/2026-11/paid", {"creator_id": shop["creator"]["creator_id"], "currency": "EUR"}),
        (brand, f"/app/creators/{shop['creator']['creator_id']}", {"status": "blocked"}),
        (brand, "/app/integrations/shopify", {"secret": "shpss_0123456789abcdef"}),
    ]
    for browser, path, fields in forms:
        stored = Stored()
        for token in (None, "", "forged-token", foreign_token):
            sent = dict(fields) if token is None else {**fields, "csrf": token}
            answer = browser.post(path, sent)
            assert answer.status_code == 403, (path, token)
            assert "text/html" in answer.headers["Content-Type"]
            assert "This form cannot be used" in text(answer)
        assert stored.changes() == {}, path


# --- the creator's pages -----------------------------------------------------------------------------------------


def test_the_creator_s_overview_shows_what_the_json_api_says(client, shop):
    stats = json_api(client, "/me/stats", shop["creator"]["api_key"])
    assert stats["totals"]["clicks"] == 3 and stats["totals"]["unique_clicks"] == 2
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    overview = browser.get("/app")
    assert tile(overview, "total-clicks") == str(stats["totals"]["clicks"]) == "3"
    assert tile(overview, "total-unique-clicks") == str(stats["totals"]["unique_clicks"]) == "2"
    assert tile(overview, "total-conversions") == str(stats["totals"]["conversions"]) == "1"
    assert stats["totals"]["commission"] == {"EUR": 260}
    assert tile(overview, "total-commission") == "€2.60"
    page = text(overview)
    # The chart: a bar a day with its number, and the same numbers in a table
    assert page.count("<rect ") == len(stats["days"]) == 30
    assert "Nov 26, 2026: 3</title>" in page
    assert shop["link"]["code"] in page


def test_the_links_table_and_a_link_s_page(client, shop):
    code = shop["link"]["code"]
    link_stats = json_api(client, f"/links/{code}/stats", shop["creator"]["api_key"])
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    table = text(browser.get("/app/links"))
    assert f'value="{shop["link"]["short_url"]}"' in table
    assert "Glow Cosmetics" in table
    row = table[table.index(f">{code}</a>"):]
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, re.S)[:3]
    assert [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells] == ["3", "1", "€2.60"]
    page = browser.get(f"/app/links/{code}")
    assert page.status_code == 200
    assert tile(page, "total-clicks") == str(link_stats["totals"]["clicks"])
    body = text(page)
    # Breakdowns as the JSON API counts them: apps, devices, countries, QR or link
    assert link_stats["totals"]["by_app"] == {"browser": 1, "tiktok": 2}
    assert re.search(r">tiktok</th><td class=\"num\">2<", body)
    assert re.search(r">QR code</th><td class=\"num\">1<", body)
    assert re.search(r">FR</th><td class=\"num\">2<", body)
    assert 'class="segno"' in body  # the QR code, inline SVG


def test_minting_a_link_from_the_form_creates_it_as_the_api_would(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    form = text(browser.get("/app/new-link"))
    assert f'value="{shop["brand"]["brand_id"]}"' in form  # the catalogue's brands
    alias = new_alias("glowkit")
    answer = browser.post("/app/links", {"csrf": browser.csrf(), "brand_id": shop["brand"]["brand_id"],
                                         "destination": "https://shop.glow.example/p/kit", "alias": alias,
                                         "source": "tiktok:live:1"})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/app/links/{alias}"
    created = json_api(client, f"/links/{alias}", shop["creator"]["api_key"])
    assert created["destination"] == "https://shop.glow.example/p/kit" and created["source"] == "tiktok:live:1"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"destination": "https://evil.example/p"}, "destination"),
        ({"destination": "javascript:alert(1)"}, "destination"),
        ({"destination": ""}, "destination"),
        ({"destination": "https://shop.glow.example/p", "alias": "a"}, "alias"),
        ({"destination": "https://shop.glow.example/p", "alias": "app"}, "alias"),
        ({"destination": "https://shop.glow.example/p", "brand_id": "br_nobody"}, "brand_id"),
    ],
)
def test_an_invalid_link_form_comes_back_with_the_message_by_its_field_and_writes_nothing(
        client, shop, fields, field):
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    csrf = browser.csrf()
    stored = Stored()
    answer = browser.post("/app/links", {"csrf": csrf, "brand_id": shop["brand"]["brand_id"], **fields})
    assert answer.status_code == 400
    page = text(answer)
    assert f'id="{field}-error"' in page and f'aria-describedby="{field}-error"' in page
    if fields.get("destination"):
        assert f'value="{html.escape(fields["destination"])}"' in page  # what was typed is kept
    assert stored.changes(RateLimitCounter) == {}


def test_the_creator_s_statements(client, shop):
    listed = json_api(client, "/me/statements", shop["creator"]["api_key"])
    assert [item["month"] for item in listed["items"]] == ["2026-11"]
    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    page = text(browser.get("/app/statements"))
    assert "November 2026" in page and "€2.60" in normalised(page)
    detail = browser.get("/app/statements/2026-11")
    body = normalised(text(detail))
    assert "Glow Cosmetics" in body and "€2.60" in body and "Not paid yet" in body
    assert "Mark paid" not in body  # only the brand marks lines paid


# --- the brand's pages -------------------------------------------------------------------------------------------


def test_the_brand_s_overview_and_conversions_show_what_the_json_api_says(client, shop):
    stats = json_api(client, "/me/stats", shop["brand"]["api_key"])
    browser = Browser(client)
    browser.sign_in(shop["brand"]["api_key"])
    overview = browser.get("/app")
    assert stats["totals"]["sales"] == {"EUR": 2599} and stats["totals"]["commission"] == {"EUR": 260}
    assert tile(overview, "total-sales") == "€25.99"
    assert tile(overview, "total-commission") == "€2.60"
    assert tile(overview, "total-conversions") == "1" and tile(overview, "total-clicks") == "3"
    assert "Nov 26, 2026: €25.99</title>" in text(overview)
    conversions = json_api(client, "/me/conversions", shop["brand"]["api_key"])["items"]
    page = normalised(text(browser.get("/app/conversions")))
    assert conversions[0]["order_id"] in page and conversions[0]["status"] == "approved"
    assert "€25.99" in page and ">approved<" in page
    approved_only = normalised(text(browser.get("/app/conversions?status=pending")))
    assert conversions[0]["order_id"] not in approved_only and "No conversions yet." in approved_only
    assert browser.get("/app/conversions?status=lost").status_code == 400


def test_the_brand_downloads_the_csv_and_marks_a_line_paid(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["brand"]["api_key"])
    page = text(browser.get("/app/statements/2026-11"))
    assert "Mark paid" in page and shop["creator"]["handle"] in page
    csv = browser.get("/app/statements/2026-11/csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.body.decode() == call(client, "GET", "/me/statements/2026-11?format=csv",
                                     headers=bearer(shop["brand"]["api_key"])).body.decode()
    answer = browser.post("/app/statements/2026-11/paid", {"csrf": browser.csrf(),
                                                           "creator_id": shop["creator"]["creator_id"],
                                                           "currency": "EUR"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/statements/2026-11"
    line = json_api(client, "/me/statements/2026-11", shop["brand"]["api_key"])["lines"][0]
    assert line["paid_at"] == "2026-12-01T09:00:00Z"
    assert "Paid · Dec 1, 2026" in normalised(text(browser.get("/app/statements/2026-11")))
    # And the creator sees it paid
    creator = Browser(client)
    creator.sign_in(shop["creator"]["api_key"])
    assert "Paid · Dec 1, 2026" in normalised(text(creator.get("/app/statements/2026-11")))


def test_the_brand_approves_and_blocks_creators(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["brand"]["api_key"])
    page = text(browser.get("/app/creators"))
    assert shop["creator"]["handle"] in page and "not decided" in page
    answer = browser.post(f"/app/creators/{shop['creator']['creator_id']}", {"csrf": browser.csrf(),
                                                                               "status": "blocked"})
    assert answer.status_code == 303
    assert "blocked" in text(browser.get("/app/creators"))
    # The creator may no longer link to the brand, as the JSON API says
    refused = call(client, "POST", "/links", {"brand_id": shop["brand"]["brand_id"],
                                              "destination": "https://shop.glow.example/p"},
                   bearer(shop["creator"]["api_key"]))
    assert refused.status_code == 403
    bad = browser.post(f"/app/creators/{shop['creator']['creator_id']}", {"csrf": browser.csrf(), "status": "boss"})
    assert bad.status_code == 400


def test_the_integrations_page_sets_a_secret_and_never_shows_it(client, shop):
    browser = Browser(client)
    browser.sign_in(shop["brand"]["api_key"])
    page = text(browser.get("/app/integrations"))
    brand_id = shop["brand"]["brand_id"]
    assert f"https://afl.test/webhooks/{brand_id}/shopify" in page
    assert f"https://afl.test/webhooks/{brand_id}/conversions" in page
    assert "No signing secret yet" in page
    secret = "shpss_" + new_id("secret")
    answer = browser.post("/app/integrations/shopify", {"csrf": browser.csrf(), "secret": secret})
    assert answer.status_code == 303
    after = text(browser.get(answer.headers["Location"]))
    assert "Signing secret set" in after and secret not in after
    short = browser.post("/app/integrations/stripe", {"csrf": browser.csrf(), "secret": "short"})
    assert short.status_code == 400 and 'id="stripe-error"' in text(short)
    assert browser.post("/app/integrations/paypal", {"csrf": browser.csrf(), "secret": secret}).status_code == 404


# --- languages -----------------------------------------------------------------------------------------------------


def test_french_from_accept_language_with_french_numbers_and_money(client, shop):
    browser = Browser(client, language="fr-FR,fr;q=0.9,en;q=0.5")
    browser.sign_in(shop["brand"]["api_key"])
    overview = browser.get("/app")
    assert overview.headers["Content-Language"] == "fr"
    page = normalised(text(overview))
    assert "Vos 30 derniers jours" in page and "Commission due" in page
    assert tile(overview, "total-sales") == "25,99 €"
    assert tile(overview, "total-commission") == "2,60 €"
    assert "novembre 2026" in normalised(text(browser.get("/app/statements")))


def test_the_language_switch_is_remembered_and_never_leaves_the_dashboard(client, shop):
    browser = Browser(client, language="fr")
    browser.sign_in(shop["creator"]["api_key"])
    answer = browser.get("/app/language/en?next=/app/links")
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/links"
    assert browser.cookies["afl_lang"] == "en"
    assert "Your links" in text(browser.get("/app/links"))  # English, though the browser asks French
    for evil in ("https://evil.example/", "//evil.example/app", "/app\\..\\x", "/other"):
        assert browser.get(f"/app/language/fr?next={evil}").headers["Location"] == "/app"
    assert "Vos liens" in text(browser.get("/app/links"))
    assert browser.get("/app/language/de").status_code == 404
    # The sign-in page too, before any session
    assert "Se connecter" in text(Browser(client, language="fr-CA").get("/app/login"))


def test_every_string_of_the_pages_is_translated(client, shop):
    """No English sentence is left on a French page (names, amounts and ids aside)."""
    from local.messages import extracted

    english = {message.id for message in extracted() if message.id and len(message.id) > 3}
    allowed_same = {"Affilink", "Conversions", "Commission", "Source", "Total", "Date", "mobile", "direct", "Net",
                    "QR code"}
    for key, paths in ((shop["creator"]["api_key"], ["/app", "/app/links", f"/app/links/{shop['link']['code']}",
                                                      "/app/new-link", "/app/statements", "/app/statements/2026-11"]),
                       (shop["brand"]["api_key"], ["/app", "/app/conversions", "/app/creators", "/app/integrations",
                                                   "/app/statements", "/app/statements/2026-11"])):
        browser = Browser(client, language="fr")
        browser.sign_in(key)
        for path in paths:
            page = normalised(text(browser.get(path)))
            left = [s for s in english - allowed_same if f">{s}<" in page]
            assert not left, (path, left)


# --- tenants, errors, secrets ----------------------------------------------------------------------------------------


def test_another_tenant_s_link_or_statement_is_a_404_page(client, shop):
    other = Browser(client)
    other_creator = make_creator(client)
    other.sign_in(other_creator["api_key"])
    for path in (f"/app/links/{shop['link']['code']}", "/app/statements/2026-11", "/app/conversions",
                 "/app/integrations", "/app/creators"):
        answer = other.get(path)
        assert answer.status_code == 404, path
        assert "text/html" in answer.headers["Content-Type"] and "Page not found" in text(answer)
    other_brand = Browser(client)
    other_brand.sign_in(make_brand(client)["api_key"])
    assert other_brand.get("/app/statements/2026-11").status_code == 404
    assert other_brand.get("/app/statements/2026-11/csv").status_code == 404
    stored = Stored()
    assert other_brand.post("/app/statements/2026-11/paid", {"csrf": other_brand.csrf(),
                                                             "creator_id": shop["creator"]["creator_id"],
                                                             "currency": "EUR"}).status_code == 404
    assert stored.changes() == {}
    for month in ("2026-13", "nope", "0000-01"):
        assert other_brand.get(f"/app/statements/{month}").status_code == 400


def test_no_page_shows_a_key_or_a_secret(client, shop):
    integration_secret = "whsec_" + new_id("never-shown")
    call(client, "PUT", "/me/integrations/stripe", {"secret": integration_secret}, bearer(shop["brand"]["api_key"]))
    secrets = (shop["creator"]["api_key"], shop["brand"]["api_key"], shop["brand"]["webhook_secret"],
               integration_secret, TEST_ADMIN_KEY)
    pages = {
        shop["creator"]["api_key"]: ["/app", "/app/links", f"/app/links/{shop['link']['code']}", "/app/new-link",
                                     "/app/statements", "/app/statements/2026-11", "/app/nope"],
        shop["brand"]["api_key"]: ["/app", "/app/conversions", "/app/creators", "/app/integrations",
                                   "/app/statements", "/app/statements/2026-11", "/app/statements/2026-11/csv"],
    }
    for key, paths in pages.items():
        browser = Browser(client)
        signed_in = browser.sign_in(key)
        seen = [signed_in.headers.get("Set-Cookie", ""), text(signed_in)]
        for path in paths:
            answer = browser.get(path)
            seen += [text(answer), json.dumps(dict(answer.headers))]
        for secret in secrets:
            assert not any(secret in part for part in seen)


def test_an_empty_range_says_so_instead_of_drawing_nothing(client, clock, empty_tables):
    creator = make_creator(client)
    browser = Browser(client)
    browser.sign_in(creator["api_key"])
    page = text(browser.get("/app"))
    assert "Nothing in this period yet." in page and "<svg" not in page


def test_the_dashboard_is_not_imported_by_the_redirect_or_the_api_s_cold_start():
    code = ("import json, sys, app; print(json.dumps([m for m in ('jinja2', 'babel', 'chalicelib.web.dashboard')"
            " if m in sys.modules]))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                       text=True).stdout)
    assert loaded == []


@pytest.mark.parametrize("back", [
    "/app%0d%0aSet-Cookie:%20x=1", "/app%09/%09/evil.example", "/app/../brands", "/app/./links",
    "/app/links%20x", "/application", "https://evil.example/app",
])
def test_the_language_switch_sends_back_only_to_a_plain_dashboard_page(client, back):
    answer = client.http.get(f"/app/language/fr?next={back}")
    assert answer.status_code == 303 and answer.headers["Location"] == "/app"
    good = client.http.get("/app/language/fr?next=/app/links/serum_x-1")
    assert good.headers["Location"] == "/app/links/serum_x-1"


def test_a_refusal_that_names_a_host_is_shown_in_french_with_the_host(client, shop):
    browser = Browser(client, language="fr")
    browser.sign_in(shop["creator"]["api_key"])
    answer = browser.post("/app/links", {"csrf": browser.csrf(), "brand_id": shop["brand"]["brand_id"],
                                         "destination": "https://evil.example/p"})
    assert answer.status_code == 400
    assert "la marque n’autorise pas l’hôte evil.example pour la page du produit" in text(answer)


def test_behind_api_gateway_s_stage_links_and_cookies_carry_the_stage_taken_from_the_stage_only():
    from chalice.app import Request

    from chalicelib.web.dashboard.site import Visit

    def visit(path: str, stage: str) -> Visit:
        event = {"requestContext": {"resourcePath": "/app/links/{code}", "path": path, "stage": stage,
                                    "httpMethod": "GET"},
                 "pathParameters": {"code": "serum"}, "headers": {}, "multiValueQueryStringParameters": None,
                 "body": None, "isBase64Encoded": False, "stageVariables": None}
        return Visit(Request(event), "en", {}, {})

    on_stage = visit("/api/app/links/serum", "api")
    assert (on_stage.path, on_stage.prefix, on_stage.url("/app")) == ("/app/links/serum", "/api", "/api/app")
    assert visit("/evil.example/app/links/serum", "api").prefix == ""  # never from the path alone
    assert visit("/app/links/serum", "api").prefix == ""  # a custom domain maps the stage away


def test_the_conversions_page_lists_a_sale_no_creator_earns_beside_attributed_ones(client, shop):
    # Given a sale whose click is unknown (no creator earns on it) beside the attributed one
    unknown = call(client, "POST", "/conversions", {
        "type": "sale", "order_id": new_id("order"), "click_id": "k" * 22, "amount": 1000, "currency": "EUR"},
        bearer(shop["brand"]["api_key"]))
    assert unknown.status_code == 201 and unknown.json["status"] == "unattributed"
    browser = Browser(client)
    browser.sign_in(shop["brand"]["api_key"])
    # Then the page lists both
    page = browser.get("/app/conversions")
    assert page.status_code == 200
    body = text(page)
    assert unknown.json["order_id"] in body and shop["sale"]["order_id"] in body and ">unattributed<" in body


def test_a_path_id_longer_than_any_id_is_a_404_page_before_dynamodb_refuses_the_key(client, shop):
    # DynamoDB refuses a key over 2,048 bytes with a ValidationException (moto does not): made so here
    from botocore.exceptions import ClientError

    from bench.dynamodb_calls import app_clients

    def refuse_long_keys(params, **_):
        key = params.get("Key") or {}
        if any(len(str(value)) > 2048 for value in key.values()):
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "key too large"}}, "GetItem")

    browser = Browser(client)
    browser.sign_in(shop["creator"]["api_key"])
    clients = app_clients()
    for dynamodb in clients:
        dynamodb.meta.events.register("provide-client-params.dynamodb.GetItem", refuse_long_keys)
    try:
        answer = browser.get("/app/links/" + "a" * 3000)
    finally:
        for dynamodb in clients:
            dynamodb.meta.events.unregister("provide-client-params.dynamodb.GetItem", refuse_long_keys)
    assert answer.status_code == 404 and "Page not found" in text(answer)
