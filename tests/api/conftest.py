"""Fixtures for API tests: seeded accounts (fresh ids each time) and a controllable clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.helpers import FrozenClock, make_brand, make_creator, make_link, new_handle

CLOCK_STARTS_AT = datetime(2026, 11, 26, 10, 0, 15, 250_000, tzinfo=timezone.utc)


@pytest.fixture
def clock(aws, request) -> FrozenClock:
    """Time stands still at the test module's `CLOCK_STARTS_AT` if it sets one, else at
    2026-11-26T10:00:15.250Z, until the test moves it (reset by `aws`)."""
    return FrozenClock(getattr(request.module, "CLOCK_STARTS_AT", CLOCK_STARTS_AT))


@pytest.fixture
def brand(client) -> dict:
    """An open program that allows shop.glow.example, as created (keys included)."""
    return make_brand(client)


@pytest.fixture
def creator(client) -> dict:
    """A creator with a fresh `mia.makes.<suffix>` handle, as created (key included)."""
    return make_creator(client)


@pytest.fixture
def other_creator(client) -> dict:
    return make_creator(client, new_handle("leo.lives"))


@pytest.fixture
def link(client, creator, brand) -> dict:
    """A link of `creator` to `brand`."""
    return make_link(client, creator, brand)
