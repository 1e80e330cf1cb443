"""The in-memory twin of `storage.tap.DynamoTapStore`: items as the tables hold them, handed
out as fresh model values (callers cannot change what is stored)."""
from __future__ import annotations

import copy
from typing import Any, Optional

from chalicelib.storage.accounts import Brand, Membership
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.links import Link
from chalicelib.storage.tap import Click

_BRAND_TERMS = ("brand_id", "allowed_domains", "program")  # what the tap's projection reads, never secrets


class InMemoryTapStore:
    def __init__(self) -> None:
        self.clicks: dict[str, dict] = {}  # click id -> the stored item
        # What the tap reads of other capabilities' tables, put here by the test that needs it.
        self.links: dict[str, dict] = {}  # code -> the link's item
        self.brands: dict[str, dict] = {}  # brand id -> the brand's item
        self.memberships: dict[tuple[str, str], dict] = {}  # (brand id, creator id) -> the item

    def find_click(self, click_id: str) -> Optional[Click]:
        item = self.clicks.get(click_id)
        return Click.from_raw_data(copy.deepcopy(item)) if item is not None else None

    def read_link_and_terms(self, code: str) -> tuple[Optional[Link], Optional[Brand], Optional[str]]:
        found = self.links.get(code)
        if found is None:
            return None, None, None
        link = Link.from_raw_data(copy.deepcopy(found))
        brand_item = self.brands.get(link.brand_id)
        brand = None if brand_item is None else Brand.from_raw_data(
            {name: copy.deepcopy(value) for name, value in brand_item.items() if name in _BRAND_TERMS}
        )
        membership = self.memberships.get((link.brand_id, link.creator_id))
        status = Membership.from_raw_data(copy.deepcopy(membership)).status if membership is not None else None
        return link, brand, status

    def put_click_once(self, item: dict[str, Any]) -> None:
        self.clicks[item["click_id"]["S"]] = copy.deepcopy(item)

    def put_spooled_click(self, item: dict[str, Any]) -> None:
        click_id = item["click_id"]["S"]
        if click_id in self.clicks:
            raise AlreadyExists(click_id)
        self.clicks[click_id] = Click.from_raw_data(copy.deepcopy(item)).serialize()
