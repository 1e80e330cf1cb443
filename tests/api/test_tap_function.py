"""The tap function (CloudFront -> function URL) answers as the API's `/{code}` does."""
from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace
from typing import Optional

import pytest

from chalicelib.storage.tap import Click
from chalicelib.web import tap_function
from tests.api.test_redirect import IPHONE_TIKTOK, fresh_link_cache  # noqa: F401  (autouse, shared)
from tests.helpers import Stored, click_id_of, make_brand, make_creator, make_link, new_alias, stored_items

# What differs from click to click, whichever path recorded it.
PER_CLICK = {"click_id", "created_at", "expires_at", "day_key", "click_key"}


@pytest.fixture
def link(client):
    brand = make_brand(client)
    creator = make_creator(client)
    return make_link(
        client, creator, brand, alias=new_alias("serum"),
        destination="https://shop.glow.example/p/serum?color=red#reviews", source="tiktok:video:7312",
    )


def function_url_event(path: str, query: str = "", method: str = "GET", headers: Optional[dict] = None) -> dict:
    """A Lambda function URL event (payload 2.0) as CloudFront's origin request makes it."""
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "abc.lambda-url.eu-west-3.on.aws", **(headers or {})},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "130.176.1.1",
                     "userAgent": (headers or {}).get("user-agent", "")},
            "requestId": "function-url-request",
        },
        "isBase64Encoded": False,
    }


def tap(event: dict) -> dict:
    return tap_function.handler(event, SimpleNamespace(aws_request_id="test-request"))


def comparable(click: Click) -> dict:
    return {name: value for name, value in click.attribute_values.items() if name not in PER_CLICK}


def without_click_id(location: str, click_id: str) -> str:
    return location.replace(click_id, "<click>")


def test_the_tap_function_answers_a_tap_exactly_as_the_api_route(client, link):
    viewer = {"user-agent": IPHONE_TIKTOK, "referer": "https://www.tiktok.com/@mia"}
    # When the same tap reaches the API's /{code} (edge-optimized API Gateway)...
    through_api = client.http.get(
        f"/{link['code']}?utm_source=tiktok&utm_source=video",
        headers={**viewer, "CloudFront-Viewer-Country": "FR"},
    )
    # ...and the tap function, through CloudFront with the viewer's address and country
    through_function = tap(function_url_event(
        f"/{link['code']}", "utm_source=tiktok&utm_source=video",
        headers={**viewer, "cloudfront-viewer-country": "FR", "cloudfront-viewer-address": "127.0.0.1:50321"},
    ))

    # Then both answer 302 with the same Location (each with its own click id) and no caching
    assert through_api.status_code == through_function["statusCode"] == 302
    api_click = click_id_of(through_api)
    function_click = through_function["headers"]["Location"].split("afl_click=")[1].split("#")[0]
    assert without_click_id(through_api.headers["Location"], api_click) == without_click_id(
        through_function["headers"]["Location"], function_click
    )
    assert through_function["headers"]["Location"].startswith(
        "https://shop.glow.example/p/serum?color=red&utm_source=tiktok&utm_source=video&afl_click="
    )
    assert through_api.headers["Cache-Control"] == through_function["headers"]["Cache-Control"] == "no-store"
    # And both clicks are recorded alike: the viewer's country, app, device, referrer, visitor
    clicks = {click.click_id: click for click in stored_items(Click)}
    assert set(clicks) == {api_click, function_click}
    assert clicks[function_click].country == "FR"
    assert clicks[function_click].app == "tiktok"
    assert comparable(clicks[function_click]) == comparable(clicks[api_click])


@pytest.mark.parametrize("method", ["HEAD"])
def test_a_head_through_the_tap_function_redirects_and_records_nothing(client, link, method):
    stored = Stored()
    answer = tap(function_url_event(f"/{link['code']}", method=method))
    assert answer["statusCode"] == 302
    assert answer["headers"]["Location"].startswith("https://shop.glow.example/p/serum")
    assert "afl_click" not in answer["headers"]["Location"]
    assert stored.changes() == {}


def test_an_unknown_code_gets_the_same_404_page_as_the_api(client):
    through_api = client.http.get("/no-such-link-x1")
    answer = tap(function_url_event("/no-such-link-x1"))
    assert through_api.status_code == answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert through_api.body.decode() == answer["body"]


@pytest.mark.parametrize("path", ["/a/b", "/", "/%2e%2e/etc"])
def test_a_path_that_is_no_code_gets_the_404_page(client, path):
    # (The API answers API Gateway's 403 for paths no route matches; the tap domain serves only codes.)
    answer = tap(function_url_event(path))
    assert answer["statusCode"] == 404
    assert "Link not found" in answer["body"]


def test_other_methods_are_refused_and_record_nothing(client, link):
    stored = Stored()
    answer = tap(function_url_event(f"/{link['code']}", method="POST"))
    assert answer["statusCode"] == 405
    assert answer["headers"]["Allow"] == "GET, HEAD"
    assert stored.changes() == {}


@pytest.mark.parametrize(
    "header, address",
    [
        ("198.51.100.10:46532", "198.51.100.10"),
        ("2001:db8::1:46532", "2001:db8::1"),
        ("[2001:db8::1]:46532", "2001:db8::1"),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_the_viewer_address_is_read_from_cloudfront_s_header(header, address):
    assert tap_function.viewer_address(header) == address


def test_the_tap_function_imports_only_what_a_tap_needs():
    # In a fresh interpreter, as Lambda starts it
    code = (
        "import json, sys; import chalicelib.web.tap_function; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('app', 'chalice', 'chalicelib',"
        " 'aws_lambda_powertools'))))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                       text=True).stdout)
    assert "app" not in loaded and not any(module.split(".")[0] in ("chalice", "aws_lambda_powertools")
                                           for module in loaded)
    back_office = ("chalicelib.money", "chalicelib.integrations", "chalicelib.stats", "chalicelib.links",
                   "chalicelib.web.api", "chalicelib.web.openapi")
    assert not [module for module in loaded if module.startswith(back_office)]
