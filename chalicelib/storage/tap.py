"""The clicks table, and the tap's own storage calls.

The redirect cannot wait: its reads and its one write use a client with one
attempt and sub-second timeouts (no botocore retries); the reads go through the
models' deserialisation, the click is written as the item `click_item` builds.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional, Protocol

import botocore.session
from botocore.config import Config
from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.base.config import region
from chalicelib.storage import seam
from chalicelib.storage.accounts import Brand, Membership
from chalicelib.storage.dynamodb import get_or_none, table_meta
from chalicelib.storage.links import Link


class Click(Model):
    """One item per tap, keyed by its random click id so a viral link spreads
    its writes over every partition."""

    Meta = table_meta("clicks", stream_view_type="NEW_AND_OLD_IMAGES")  # read by the stats aggregator
    click_id = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    brand_id = UnicodeAttribute()
    clicked_at = UnicodeAttribute()
    visitor_hash = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)
    referrer = UnicodeAttribute()
    country = UnicodeAttribute()
    device = UnicodeAttribute()
    app = UnicodeAttribute()
    via = UnicodeAttribute()
    is_bot = BooleanAttribute()
    source = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


TABLES = (Click,)
# Each attribute's stored name and DynamoDB type, read off the model once: `click_item` builds
# the item the tap writes with them.
_CLICK_ATTRIBUTES = {name: (attribute.attr_name, attribute.attr_type)
                     for name, attribute in Click.get_attributes().items()}


def click_item(values: dict[str, Any]) -> dict[str, Any]:
    """The click as DynamoDB's item, without building the model: the tap writes one per request
    and PynamoDB's per-attribute bookkeeping costs more than the rest of the tap's own work.
    `values` as the model's attributes take them (`expires_at` a datetime); None leaves an
    attribute out, as the model does. `Click.from_raw_data(item)` reads it back (tested)."""
    item: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        stored, kind = _CLICK_ATTRIBUTES[name]
        if kind == "BOOL":
            item[stored] = {"BOOL": bool(value)}
        elif kind == "N":  # the TTL: epoch seconds
            item[stored] = {"N": str(int(value.timestamp()))}
        else:
            item[stored] = {"S": value}
    return item


@lru_cache(maxsize=1)
def fast_dynamodb_client() -> Any:
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name=region(),
        config=Config(connect_timeout=0.3, read_timeout=0.5, retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def read_link_and_terms(code: str) -> tuple[Optional[Link], Optional[Brand], Optional[str]]:
    """The link, its brand's redirect terms (never its secrets) and the creator's
    standing with the brand: one GetItem, then one BatchGetItem."""
    client = fast_dynamodb_client()
    found = client.get_item(TableName=Link.Meta.table_name, Key={"code": {"S": code}}).get("Item")
    if not found:
        return None, None, None
    link = Link.from_raw_data(found)
    brand_table, membership_table = Brand.Meta.table_name, Membership.Meta.table_name
    response = client.batch_get_item(
        RequestItems={
            brand_table: {
                "Keys": [{"brand_id": {"S": link.brand_id}}],
                "ProjectionExpression": "brand_id, allowed_domains, #program",
                "ExpressionAttributeNames": {"#program": "program"},
            },
            membership_table: {"Keys": [{"brand_id": {"S": link.brand_id}, "creator_id": {"S": link.creator_id}}]},
        }
    )
    if response.get("UnprocessedKeys"):
        raise RuntimeError("brand lookup throttled")
    brands = response["Responses"].get(brand_table) or []
    memberships = response["Responses"].get(membership_table) or []
    brand = Brand.from_raw_data(brands[0]) if brands else None
    status = Membership.from_raw_data(memberships[0]).status if memberships else None
    return link, brand, status


def put_click_once(item: dict[str, Any]) -> None:
    """One attempt to write a new click; raises on any failure (the caller spools).

    No condition: the id was minted for this tap (122 random bits), so nothing else can hold
    it, and a write botocore retries after it landed puts the same item again, which the
    stats aggregator does not count twice (it folds INSERTs only). The spool's write keeps its
    condition: the table may already hold that click."""
    fast_dynamodb_client().put_item(TableName=Click.Meta.table_name, Item=item)


class TapStore(Protocol):
    """What the tap writes and what a sale reads of it: clicks."""

    def find_click(self, click_id: str) -> Optional[Click]:
        """The click (a consistent read), or None; an expired click may still be there (TTL)."""


class DynamoTapStore:
    def find_click(self, click_id: str) -> Optional[Click]:
        return get_or_none(Click, click_id, consistent=True)


def tap_store() -> TapStore:
    return seam.provide("tap", DynamoTapStore)
