"""The tap function (CloudFront -> function URL), and the API function's handler for taps on its own
`/{code}` (API Gateway), answer as the API's Chalice route does."""
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


# --- the API's own /{code} in AWS: app.handler answers taps without Chalice ------------------------


def api_gateway_event(code: str, query: Optional[dict] = None, method: str = "GET",
                      headers: Optional[dict] = None) -> dict:
    """What API Gateway (REST, proxy integration) gives the API function for `/{code}`."""
    sent = {"Host": "k3x9.execute-api.eu-west-3.amazonaws.com", **(headers or {})}
    return {
        "resource": "/{code}", "path": f"/{code}", "httpMethod": method, "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": {name: values[-1] for name, values in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"code": code}, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/{code}", "httpMethod": method, "path": f"/api/{code}",
                           "stage": "api", "requestId": "api-gateway-request",
                           "identity": {"sourceIp": "127.0.0.1"}},
    }


def through_the_api_handler(event: dict) -> dict:
    import app

    return app.handler(event, SimpleNamespace(aws_request_id="test-request"))


def test_the_api_handler_answers_a_tap_without_chalice_exactly_as_the_chalice_route(client, link, monkeypatch):
    import app

    def chalice_must_not_be_called(event, context):
        raise AssertionError("the tap went through Chalice")

    viewer = {"User-Agent": IPHONE_TIKTOK, "Referer": "https://www.tiktok.com/@mia", "CloudFront-Viewer-Country": "FR"}
    through_route = client.http.get(f"/{link['code']}?utm_source=tiktok&utm_source=video&qr=1", headers=viewer)
    monkeypatch.setattr(app, "app", chalice_must_not_be_called)  # what app.handler hands other requests to
    answer = through_the_api_handler(api_gateway_event(
        link["code"], {"utm_source": ["tiktok", "video"], "qr": ["1"]}, headers=viewer))

    assert through_route.status_code == answer["statusCode"] == 302
    route_click = click_id_of(through_route)
    handler_click = answer["headers"]["Location"].split("afl_click=")[1].split("#")[0]
    assert without_click_id(answer["headers"]["Location"], handler_click) == without_click_id(
        through_route.headers["Location"], route_click)
    assert answer["headers"]["Cache-Control"] == through_route.headers["Cache-Control"] == "no-store"
    clicks = {click.click_id: click for click in stored_items(Click)}
    assert set(clicks) == {route_click, handler_click}
    assert (clicks[handler_click].country, clicks[handler_click].via) == ("FR", "qr")
    assert comparable(clicks[handler_click]) == comparable(clicks[route_click])


@pytest.mark.parametrize("code", ["no-such-link-x2", "a" * 41, "bad code!"])
def test_the_api_handler_gives_an_unknown_code_the_route_s_404_page(client, code):
    from urllib.parse import quote

    through_route = client.http.get(f"/{quote(code)}")
    answer = through_the_api_handler(api_gateway_event(code))
    assert through_route.status_code == answer["statusCode"] == 404
    assert through_route.body.decode() == answer["body"]
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"


def test_a_head_through_the_api_handler_redirects_and_records_nothing(client, link):
    stored = Stored()
    answer = through_the_api_handler(api_gateway_event(link["code"], method="HEAD"))
    assert answer["statusCode"] == 302 and "afl_click" not in answer["headers"]["Location"]
    assert answer["body"] == ""
    assert stored.changes() == {}


@pytest.mark.parametrize("door", ["api_gateway", "function_url"])
def test_a_failure_nobody_caught_gets_the_try_again_page_and_is_logged_not_raised(client, link, monkeypatch, caplog,
                                                                                  door):
    from chalicelib.tap import redirect

    def broken(**_):
        raise RuntimeError("a bug")

    monkeypatch.setattr(redirect, "follow", broken)
    if door == "api_gateway":
        answer = through_the_api_handler(api_gateway_event(link["code"]))
    else:
        answer = tap(function_url_event(f"/{link['code']}"))
    # Then the visitor gets the 503 page (Lambda would count a raised error, API Gateway answer 502)
    assert answer["statusCode"] == 503 and "Try again" in answer["body"]
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert [r for r in caplog.records if r.levelname == "ERROR" and r.getMessage() == "unhandled error"]


def test_the_api_handler_gives_chalice_every_other_request(client, link):
    # A POST on /{code} and another route: Chalice's own answers (405, then the health check)
    refused = through_the_api_handler(api_gateway_event(link["code"], method="POST"))
    assert refused["statusCode"] == 405
    health = api_gateway_event("health")
    health.update(resource="/health", path="/health", pathParameters=None)
    health["requestContext"].update(resourcePath="/health")
    answer = through_the_api_handler(health)
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"status": "ok"}


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
