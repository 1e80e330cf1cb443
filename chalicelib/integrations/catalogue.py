"""The shop platforms Affilink takes webhooks from: a third is one module and one line here
(and its route in `app.py`)."""
from __future__ import annotations

from types import ModuleType

from chalicelib.integrations import shopify, stripe_checkout

PLATFORMS: dict[str, ModuleType] = {module.NAME: module for module in (shopify, stripe_checkout)}
