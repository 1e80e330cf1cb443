"""Fixtures for API tests: seeded accounts and a controllable clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.api.support import FrozenClock
from tests.helpers import make_brand, make_creator, make_link


@pytest.fixture
def clock(aws) -> FrozenClock:
    """Time stands still at 2026-11-26T10:00:15.250Z until the test moves it (reset by `aws`)."""
    return FrozenClock(datetime(2026, 11, 26, 10, 0, 15, 250_000, tzinfo=timezone.utc))


@pytest.fixture
def brand(client) -> dict:
    """An open program that allows shop.glow.example, as created (keys included)."""
    return make_brand(client)


@pytest.fixture
def creator(client) -> dict:
    return make_creator(client, "mia.makes")


@pytest.fixture
def other_creator(client) -> dict:
    return make_creator(client, "leo.lives")


@pytest.fixture
def link(client, creator, brand) -> dict:
    """A link of `creator` to `brand`."""
    return make_link(client, creator, brand)
