"""The in-memory twin of `storage.money.DynamoMoneyStore`."""
from __future__ import annotations

from typing import Optional

from chalicelib.storage.money import Conversion


class InMemoryMoneyStore:
    def __init__(self) -> None:
        self.conversions: dict[tuple[str, str], dict] = {}  # (brand, order) -> the stored item

    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        item = self.conversions.get((brand_id, order_id))
        return Conversion.from_raw_data(item) if item is not None else None
