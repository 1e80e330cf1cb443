"""The in-memory twin of `storage.links.DynamoLinksStore`."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional

from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage import keys
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.links import Link, check_changes
from chalicelib.storage.pagination import Page, key_attributes, paginate


class InMemoryLinksStore:
    def __init__(self) -> None:
        self.links: dict[str, dict] = {}  # code -> the stored item

    def create_link(
        self,
        *,
        code: str,
        creator_id: str,
        brand_id: str,
        destination: str,
        source: Optional[str],
        expires_at: Optional[str],
        created: datetime,
    ) -> Link:
        if code in self.links:
            raise AlreadyExists(f"code {code!r} is taken")
        link = Link(code, creator_id=creator_id, brand_id=brand_id, destination=destination, source=source,
                    expires_at=expires_at, disabled=False, created_at=format_timestamp(created),
                    listing_key=keys.listing_key(created, code))
        self.links[code] = link.serialize()
        return Link.from_raw_data(self.links[code])

    def find_link(self, code: str) -> Optional[Link]:
        item = self.links.get(code)
        return Link.from_raw_data(item) if item is not None else None

    def update_link(self, code: str, creator_id: str, changes: Mapping[str, Any]) -> Link:
        check_changes(changes)
        item = self.links.get(code)
        if item is None or item["creator_id"] != {"S": creator_id}:
            raise ChangedMeanwhile(f"link {code!r} is not this creator's")
        link = Link.from_raw_data(item)
        for field, value in changes.items():
            setattr(link, field, value)
        self.links[code] = link.serialize()
        return Link.from_raw_data(self.links[code])

    def links_of_creator(self, creator_id: str, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        def query(start: Optional[dict]) -> Iterator[Link]:
            before = start["listing_key"]["S"] if start else None
            mine = [item for item in self.links.values() if item["creator_id"] == {"S": creator_id}]
            for item in sorted(mine, key=lambda item: item["listing_key"]["S"], reverse=True):
                if before is None or item["listing_key"]["S"] < before:
                    yield Link.from_raw_data(item)

        return paginate(scope=scope, cursor=cursor, limit=limit, query=query,
                        key_attributes=key_attributes(Link, Link.by_creator))


if TYPE_CHECKING:  # mypy holds the twin to its store's Protocol
    from chalicelib.storage.links import LinksStore

    _twin: LinksStore = InMemoryLinksStore()
