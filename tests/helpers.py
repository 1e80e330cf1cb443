"""Small helpers for API tests: auth headers, JSON requests, seed accounts."""
from __future__ import annotations

import json
from typing import Any, Optional

from tests.conftest import TEST_ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def call(client, method: str, path: str, body: Any = None, headers: Optional[dict] = None, raw: Optional[bytes] = None):
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    response = client.http.request(method, path, headers=all_headers, body=payload)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    response.json = json.loads(response.body) if response.body and is_json else None
    return response


def make_brand(client, **overrides) -> dict:
    body = {
        "name": "Glow Cosmetics",
        "allowed_domains": ["shop.glow.example"],
        "commission": {"type": "percent", "rate_bps": 1000},
        **overrides,
    }
    response = call(client, "POST", "/brands", body, ADMIN)
    assert response.status_code == 201, response.body
    return response.json


def make_creator(client, handle: str = "mia.makes") -> dict:
    response = call(client, "POST", "/creators", {"handle": handle}, ADMIN)
    assert response.status_code == 201, response.body
    return response.json


def make_link(client, creator: dict, brand: dict, **overrides) -> dict:
    body = {"brand_id": brand["brand_id"], "destination": "https://shop.glow.example/p/serum?ref=x", **overrides}
    response = call(client, "POST", "/links", body, bearer(creator["api_key"]))
    assert response.status_code == 201, response.body
    return response.json
