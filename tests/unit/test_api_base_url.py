"""Where the API answers, for the webhook URLs it shows."""
from __future__ import annotations

import pytest

from chalicelib.base import config
from chalicelib.web.requests import api_base_url


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://go.glow.example")
    monkeypatch.delenv("AFFILINK_API_BASE_URL", raising=False)
    config.reset()
    yield
    config.reset()


def test_in_aws_it_is_the_request_s_own_api_gateway_host_and_stage():
    headers = {"host": "k3x9.execute-api.eu-west-3.amazonaws.com"}
    assert api_base_url(headers, {"stage": "api"}) == "https://k3x9.execute-api.eu-west-3.amazonaws.com/api"


@pytest.mark.parametrize("headers, context", [
    ({"host": "127.0.0.1:8000"}, {}),
    ({"host": "evil.example"}, {"stage": "api"}),  # a Host header alone never names the address
    ({"host": "k3x9.execute-api.eu-west-3.amazonaws.com"}, {}),
    ({"host": "k3x9.execute-api.eu-west-3.amazonaws.com/x?y"}, {"stage": "api"}),
])
def test_otherwise_it_is_the_public_base_url(headers, context):
    assert api_base_url(headers, context) == "https://go.glow.example"


def test_a_configured_address_wins(monkeypatch):
    monkeypatch.setenv("AFFILINK_API_BASE_URL", "https://api.glow.example/")
    config.reset()
    assert api_base_url({"host": "k3x9.execute-api.eu-west-3.amazonaws.com"}, {"stage": "api"}) == (
        "https://api.glow.example")
