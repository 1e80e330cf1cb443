"""No input reaches a 5xx on the dashboard: every /app route, with random path parameters, query
strings, form bodies (some not UTF-8) and cookies, signed in or not (the JSON API has its own
fuzzing from openapi.yaml: tests/e2e/test_fuzz.py)."""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import app
from tests.api.test_dashboard import Browser

ROUTES = sorted((method, path) for path, entries in app.routes.items() for method in entries
                if path.startswith("/app"))
TRICKY = ["", "/app", "/app\r\nSet-Cookie: x=1", "//evil.example", "/app/../brands", "\x00", "2026-13", "0000-01",
          "%", "%zz", "a" * 5000, "fr", "EUR", "approved", "shopify", "é" * 30]
TEXT = st.one_of(st.sampled_from(TRICKY),
                 st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
FIELDS = ("csrf", "nonce", "api_key", "brand_id", "destination", "alias", "source", "status", "creator_id",
          "currency", "secret", "next", "cursor")


@pytest.fixture(scope="module")
def sessions(aws_account):
    """A signed-in brand and creator for the whole module (the probes write nothing they need)."""
    from chalice.test import Client

    from tests.helpers import make_brand, make_creator

    with Client(app) as client:
        creator, brand = Browser(client), Browser(client)
        creator.sign_in(make_creator(client)["api_key"])
        brand.sign_in(make_brand(client)["api_key"])
        yield {"client": client, "cookies": [None, creator.cookies, brand.cookies],
               "csrf": [creator.csrf(), brand.csrf()]}


def _concrete(path: str, values: list[str]) -> str:
    parts = iter(values)
    return re.sub(r"\{[^}]+\}", lambda _: quote(next(parts), safe="") or "x", path)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{method} {path}" for method, path in ROUTES])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parameters=st.lists(TEXT, min_size=2, max_size=2),
    query=st.fixed_dictionaries({}, optional={name: TEXT for name in ("next", "cursor", "status", "saved")}),
    form=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=5),
    raw_body=st.one_of(st.none(), st.binary(max_size=200)),
    who=st.integers(min_value=0, max_value=2),
    with_csrf=st.booleans(),
    cookie_noise=st.one_of(st.none(), TEXT),
    language=st.one_of(st.none(), TEXT),
)
def test_no_dashboard_input_gets_a_server_error(sessions, route, parameters, query, form, raw_body, who, with_csrf,
                                                cookie_noise, language):
    method, path = route
    url = _concrete(path, parameters) + ("?" + urlencode(query) if query else "")
    headers = {}
    cookies = sessions["cookies"][who]
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if cookie_noise is not None:
        headers["Cookie"] = (headers.get("Cookie", "") + "; " + cookie_noise).strip("; ")
    if language is not None:
        headers["Accept-Language"] = language
    body = None
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if with_csrf and who:
            form = {**form, "csrf": sessions["csrf"][who - 1]}
        body = raw_body if raw_body is not None else urlencode(form).encode()
    try:
        answer = sessions["client"].http.request(method, url, headers=headers, body=body)
    except (ValueError, UnicodeError):
        return  # a header the test client itself cannot send (no browser could either)
    assert answer.status_code < 500, (method, url, answer.body[:500])
