"""The links table: one item per short code, listed per creator and per brand; and
`LinksStore`, what the links capability reads and writes of it.

The redirect imports this module (for the model its one read deserialises), so the
store's own helpers that the redirect never needs (cursors, refusals) are imported
where they are used, not here: the cold start pays for nothing it does not run.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping, Optional, Protocol

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage import keys, seam
from chalicelib.storage.dynamodb import condition_failed, get_or_none, index_meta, table_meta

if TYPE_CHECKING:
    from chalicelib.storage.pagination import Page


class LinksByCreatorIndex(GlobalSecondaryIndex["Link"]):
    Meta = index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class Link(Model):
    Meta = table_meta("links")
    code = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    brand_id = UnicodeAttribute()
    destination = UnicodeAttribute()
    source = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute(null=True)
    disabled = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    listing_key = UnicodeAttribute()  # keys.listing_key(created, code)

    by_creator = LinksByCreatorIndex()


TABLES = (Link,)

LINK_CHANGES = ("destination", "disabled", "expires_at")
"""What of a link may change after it was created."""


def check_changes(changes: Mapping[str, Any]) -> None:
    """A programming error, not the caller's: the domain validates what it hands the store."""
    unknown = set(changes) - set(LINK_CHANGES)
    if unknown or not changes:
        raise ValueError(f"a link's changes must be some of {LINK_CHANGES}, not {sorted(unknown) or 'none'}")


class LinksStore(Protocol):
    """What the links capability reads and writes: short links. Items are handed out as
    read-only values."""

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
        """A new enabled link, listed under its creator by `created`; a put conditioned on the code
        being free (`AlreadyExists` when it is taken)."""

    def find_link(self, code: str) -> Optional[Link]:
        """The link with this code (an eventually consistent read), or None."""

    def update_link(self, code: str, creator_id: str, changes: Mapping[str, Any]) -> Link:
        """Apply `changes` (some of `LINK_CHANGES`; a None value removes the attribute) and hand back the
        link as now stored; conditioned on the link being this creator's (else `ChangedMeanwhile`)."""

    def links_of_creator(self, creator_id: str, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        """The creator's links, newest first; the cursor resumes after the last link handed out
        (`InvalidInput` for one of another list)."""


class DynamoLinksStore:
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
        link = Link(
            code,
            creator_id=creator_id,
            brand_id=brand_id,
            destination=destination,
            source=source,
            expires_at=expires_at,
            disabled=False,
            created_at=format_timestamp(created),
            listing_key=keys.listing_key(created, code),
        )
        try:
            link.save(condition=Link.code.does_not_exist())
        except PutError as error:
            if not condition_failed(error):
                raise
            from chalicelib.storage.errors import AlreadyExists

            raise AlreadyExists(f"code {code!r} is taken") from error
        return link

    def find_link(self, code: str) -> Optional[Link]:
        return get_or_none(Link, code)

    def update_link(self, code: str, creator_id: str, changes: Mapping[str, Any]) -> Link:
        check_changes(changes)
        actions = [
            getattr(Link, field).remove() if value is None else getattr(Link, field).set(value)
            for field, value in changes.items()
        ]
        link = Link(code)
        try:
            link.update(actions=actions, condition=Link.creator_id == creator_id)
        except UpdateError as error:
            if not condition_failed(error):
                raise
            from chalicelib.storage.errors import ChangedMeanwhile

            raise ChangedMeanwhile(f"link {code!r} is not this creator's") from error
        return link  # as DynamoDB answered the update (ALL_NEW)

    def links_of_creator(self, creator_id: str, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        from chalicelib.storage.pagination import key_attributes, paginate

        return paginate(
            scope=scope,
            cursor=cursor,
            limit=limit,
            query=lambda start: Link.by_creator.query(creator_id, scan_index_forward=False, last_evaluated_key=start),
            key_attributes=key_attributes(Link, Link.by_creator),
        )


def links_store() -> LinksStore:
    return seam.provide("links", DynamoLinksStore)
