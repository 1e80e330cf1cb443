"""Every table of Affilink, gathered from the capabilities' table modules:
what the local run and the tests create, and what `infra/` will provision."""
from __future__ import annotations

from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model

from chalicelib.storage import accounts, integrations, links, money, rate_limits, stats, tap

ALL_TABLES: tuple[type[Model], ...] = (
    *accounts.TABLES,
    *links.TABLES,
    *tap.TABLES,
    *money.TABLES,
    *rate_limits.TABLES,
    *integrations.TABLES,
    *stats.TABLES,
)


def create_tables() -> None:
    """Create every table that does not exist yet (local runs and tests; AWS uses infra/)."""
    for model in ALL_TABLES:
        if not model.exists():
            model.create_table(billing_mode=PAY_PER_REQUEST_BILLING_MODE, wait=False)
