"""§0 "Who may call what", checked for every route the app actually serves.

The cases are generated from `app.routes`; the expected access is this file's
own copy of the contract's table. A route the app serves that is missing from
the table fails `test_every_route_of_the_app_has_an_expected_access_rule`, so a
new route cannot ship without its rule being written down here.
"""

from __future__ import annotations

import re

import pytest

from app import app
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import bearer, call, make_brand, make_creator, make_link, new_handle

PUBLIC = "public"  # anyone, no key needed
SIGNED = "signature"  # webhook: a signature, never a key; without one every caller gets 401
ADMIN, BRAND, CREATOR = "admin", "brand", "creator"
# The dashboard (/app) signs in with a session cookie, never with a key: a page sends any
# caller without a session to sign-in, a form refuses it (403; 415 for a JSON body).
DASHBOARD_PAGE = "dashboard page"
DASHBOARD_FORM = "dashboard form"

# Copied from api.md §0 "Who may call what". Path parameter names do not matter
# (they are compared as `{}`).
EXPECTED_ACCESS = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/{code}"): PUBLIC,  # the redirect: public, not probed here (§3 has its own tests)
    ("HEAD", "/{code}"): PUBLIC,
    ("POST", "/brands"): {ADMIN},
    ("POST", "/creators"): {ADMIN},
    ("GET", "/creators/{creator_id}"): {ADMIN},
    ("POST", "/brands/{brand_id}/rotate-key"): {ADMIN},
    ("POST", "/creators/{creator_id}/rotate-key"): {ADMIN},
    ("POST", "/brands/{brand_id}/rotate-webhook-secret"): {ADMIN},
    ("PATCH", "/brands/{brand_id}"): {ADMIN},
    ("PUT", "/brands/{brand_id}/integrations/{platform}"): {ADMIN},
    ("POST", "/admin/close-month"): {ADMIN},
    ("GET", "/brands/{brand_id}/statements/{month}"): {ADMIN},
    ("GET", "/creators/{creator_id}/statements/{month}"): {ADMIN},
    ("GET", "/admin/parked-deliveries"): {ADMIN},
    ("GET", "/brands"): {ADMIN, CREATOR},
    ("GET", "/brands/{brand_id}"): {ADMIN, BRAND, CREATOR},  # a brand: its own only (else 404)
    ("POST", "/links"): {CREATOR},
    ("GET", "/links"): {CREATOR},
    ("GET", "/links/{code}"): {CREATOR},
    ("PATCH", "/links/{code}"): {CREATOR},
    ("GET", "/links/{code}/stats"): {CREATOR},
    ("GET", "/links/{code}/qr"): {CREATOR},
    ("GET", "/me"): {BRAND, CREATOR},
    ("GET", "/me/stats"): {BRAND, CREATOR},
    ("GET", "/me/conversions"): {BRAND, CREATOR},
    ("GET", "/me/statements"): {BRAND, CREATOR},
    ("GET", "/me/statements/{month}"): {BRAND, CREATOR},
    ("PATCH", "/me"): {BRAND},
    ("PUT", "/me/integrations/{platform}"): {BRAND},
    ("PUT", "/me/creators/{creator_id}"): {BRAND},
    ("POST", "/me/statements/{month}/paid"): {BRAND},
    ("POST", "/conversions"): {BRAND},
    ("POST", "/webhooks/{brand_id}/conversions"): SIGNED,
    ("POST", "/webhooks/{brand_id}/shopify"): SIGNED,
    ("POST", "/webhooks/{brand_id}/stripe"): SIGNED,
    ("GET", "/app/login"): PUBLIC,
    ("POST", "/app/login"): DASHBOARD_FORM,  # refused without its form's nonce
    ("GET", "/app/language/{lang}"): PUBLIC,
    ("GET", "/app/static/app.css"): PUBLIC,
    ("POST", "/app/logout"): DASHBOARD_FORM,
    ("GET", "/app"): DASHBOARD_PAGE,
    ("GET", "/app/links"): DASHBOARD_PAGE,
    ("POST", "/app/links"): DASHBOARD_FORM,
    ("GET", "/app/new-link"): DASHBOARD_PAGE,
    ("GET", "/app/links/{code}"): DASHBOARD_PAGE,
    ("GET", "/app/statements"): DASHBOARD_PAGE,
    ("GET", "/app/statements/{month}"): DASHBOARD_PAGE,
    ("GET", "/app/statements/{month}/csv"): DASHBOARD_PAGE,
    ("POST", "/app/statements/{month}/paid"): DASHBOARD_FORM,
    ("GET", "/app/conversions"): DASHBOARD_PAGE,
    ("GET", "/app/creators"): DASHBOARD_PAGE,
    ("POST", "/app/creators/{creator_id}"): DASHBOARD_FORM,
    ("GET", "/app/integrations"): DASHBOARD_PAGE,
    ("POST", "/app/integrations/{platform}"): DASHBOARD_FORM,
}

REDIRECT_SHAPE = "/{}"
CALLERS = (ADMIN, BRAND, CREATOR, "unknown key", "no key")


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


EXPECTED_BY_SHAPE = {(method, _shape(path)): rule for (method, path), rule in EXPECTED_ACCESS.items()}
APP_ROUTES = sorted((method, path) for path, entries in app.routes.items() for method in entries)
PROBED_ROUTES = [(method, path) for method, path in APP_ROUTES if _shape(path) != REDIRECT_SHAPE]


def test_every_route_of_the_app_has_an_expected_access_rule():
    # Given the routes the app serves
    # Then each one has a rule in this file's copy of the contract's table
    missing = [
        f"{method} {path}" for method, path in APP_ROUTES if (method, _shape(path)) not in EXPECTED_BY_SHAPE
    ]
    assert not missing, f"routes without an expected-access rule in {__name__}: {missing}"


def test_the_generated_cases_cover_the_foundation_routes():
    # Guards against the generation itself going wrong (an empty route table would prove nothing).
    probed = {(method, _shape(path)) for method, path in PROBED_ROUTES}
    assert {
        ("POST", "/brands"),
        ("GET", "/brands/{}"),
        ("POST", "/links"),
        ("PUT", "/me/creators/{}"),
    } <= probed


@pytest.fixture(scope="module")
def world(aws_account):
    """One set of accounts for the whole table, in the worker's shared tables: the
    probes only read, fail, or change accounts that no probe authenticates with."""
    from chalice.test import Client

    from chalicelib.base import config

    config.reset()
    with Client(app) as client:
        own_brand = make_brand(client, name="Caller Brand")
        target_brand = make_brand(client, name="Target Brand")
        own_creator = make_creator(client, new_handle("caller.creator"))
        target_creator = make_creator(client, new_handle("target.creator"))
        own_link = make_link(client, own_creator, own_brand)
        yield {
            "client": client,
            "keys": {
                ADMIN: TEST_ADMIN_KEY,
                BRAND: own_brand["api_key"],
                CREATOR: own_creator["api_key"],
                "unknown key": "afl_c_this-key-was-never-minted",
            },
            "own_brand_id": own_brand["brand_id"],
            "target_brand_id": target_brand["brand_id"],
            "target_creator_id": target_creator["creator_id"],
            "link_code": own_link["code"],
        }
    config.reset()


def _concrete_path(path: str, caller: str, world: dict) -> str:
    """Real ids for the path parameters, chosen by the segment before each one.

    Rotations and edits hit the *target* accounts, never the keys the probes
    use; a brand asks about its own brand (the only one it may see)."""
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if not (segment.startswith("{") and segment.endswith("}")):
            continue
        before = segments[index - 1]
        if before in ("brands", "webhooks"):
            value = world["own_brand_id"] if caller == BRAND else world["target_brand_id"]
        elif before == "creators":
            value = world["target_creator_id"]
        elif before == "links":
            value = world["link_code"]
        elif before == "integrations":
            value = "shopify"
        elif before == "statements":
            value = "2026-01"
        elif before == "language":
            value = "fr"
        else:
            raise AssertionError(f"test_access does not know what to put in {segment} of {path}")
        segments[index] = value
    return "/".join(segments)


def _probe(world: dict, method: str, path: str, caller: str):
    key = world["keys"].get(caller)
    headers = bearer(key) if key else {}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return call(world["client"], method, _concrete_path(path, caller, world), body, headers)


@pytest.mark.parametrize(("method", "path"), PROBED_ROUTES, ids=[f"{m} {p}" for m, p in PROBED_ROUTES])
def test_each_caller_gets_what_the_contract_says(world, method, path):
    rule = EXPECTED_BY_SHAPE.get((method, _shape(path)))
    assert rule is not None, f"{method} {path} has no expected-access rule"

    # When every kind of caller calls the route
    answers = {caller: _probe(world, method, path, caller) for caller in CALLERS}
    statuses = {caller: answer.status_code for caller, answer in answers.items()}

    # Then the status matches the table, and nobody gets a server error
    assert all(status < 500 for status in statuses.values()), statuses
    for caller, status in statuses.items():
        if rule == PUBLIC:
            assert status not in (401, 403), (caller, status)
        elif rule == DASHBOARD_PAGE:
            assert status == 303 and answers[caller].headers["Location"] == "/app/login", (caller, status)
        elif rule == DASHBOARD_FORM:
            assert status in (403, 415), (caller, status)
        elif rule == SIGNED:
            assert status == 401, (caller, status)
        elif caller in ("unknown key", "no key"):
            assert status == 401, (caller, status)
        elif caller in rule:
            assert status not in (401, 403), (caller, status)
        else:
            assert status == 403, (caller, status)
