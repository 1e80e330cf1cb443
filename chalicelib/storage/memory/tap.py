"""The in-memory twin of `storage.tap.DynamoTapStore`."""
from __future__ import annotations

from typing import Optional

from chalicelib.storage.tap import Click


class InMemoryTapStore:
    def __init__(self) -> None:
        self.clicks: dict[str, dict] = {}  # click id -> the stored item

    def find_click(self, click_id: str) -> Optional[Click]:
        item = self.clicks.get(click_id)
        return Click.from_raw_data(item) if item is not None else None
