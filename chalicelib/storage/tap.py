"""The clicks table, and the tap's own storage calls.

The redirect cannot wait: its reads and its one write use a client with one
attempt and sub-second timeouts (no botocore retries, `base.aws`, patience "tap");
the reads go through the models' deserialisation, the click is written as the item
`click_item` builds. The click's one codec is here: `click_item` encodes it for the
tap's write, `click_values` decodes a stored item or a stream image of it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional, Protocol

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.base import aws
from chalicelib.storage import seam
from chalicelib.storage.accounts import Brand, Membership
from chalicelib.storage.dynamodb import condition_failed, get_or_none, table_meta
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
_CLICK_NAMES = {stored: (name, kind) for name, (stored, kind) in _CLICK_ATTRIBUTES.items()}


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


def click_values(item: dict[str, Any]) -> dict[str, Any]:
    """The other way of `click_item`: a stored click (the table's item, or a stream record's image
    of it) as plain values by attribute name (`expires_at` a datetime). Attributes this model does
    not know, or of another type, are left out; the caller decides what a missing one means."""
    values: dict[str, Any] = {}
    for stored, found in item.items():
        known = _CLICK_NAMES.get(stored)
        if known is None or not isinstance(found, dict) or len(found) != 1:
            continue
        name, kind = known
        ((got, inner),) = found.items()
        if got != kind:
            continue
        if kind == "N":  # the TTL; one that is not whole seconds is left out, as of another type
            if isinstance(inner, str) and inner.isascii() and inner.isdigit():
                values[name] = datetime.fromtimestamp(int(inner), timezone.utc)
        else:
            values[name] = bool(inner) if kind == "BOOL" else inner
    return values


class TapStore(Protocol):
    """What the tap reads and writes, and what a sale reads of it: links' redirect terms, clicks."""

    def find_click(self, click_id: str) -> Optional[Click]:
        """The click (a consistent read), or None; an expired click may still be there (TTL)."""

    def read_link_and_terms(self, code: str) -> tuple[Optional[Link], Optional[Brand], Optional[str]]:
        """The link, its brand's redirect terms (never its secrets) and the creator's standing with
        the brand (eventually consistent, one attempt); (None, None, None) for an unknown code.
        Raises whatever the read raised (a timeout, a throttle)."""

    def put_click_once(self, item: dict[str, Any]) -> None:
        """One attempt to write the tap's new click (`click_item`'s item), unconditionally; raises on any failure."""

    def put_spooled_click(self, item: dict[str, Any]) -> None:
        """Write a spooled click if the table does not hold its id yet (a conditional put, retried);
        raises AlreadyExists when it does, anything else as it came."""


class DynamoTapStore:
    """The tap's reads and its one write go through the fast client as items (no model objects per
    tap: PynamoDB's per-attribute bookkeeping would cost more than the tap's own work)."""

    def find_click(self, click_id: str) -> Optional[Click]:
        return get_or_none(Click, click_id, consistent=True)

    def read_link_and_terms(self, code: str) -> tuple[Optional[Link], Optional[Brand], Optional[str]]:
        # One GetItem, then one BatchGetItem.
        client = aws.client("dynamodb", "tap")
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
                membership_table: {
                    "Keys": [{"brand_id": {"S": link.brand_id}, "creator_id": {"S": link.creator_id}}]
                },
            }
        )
        if response.get("UnprocessedKeys"):
            raise RuntimeError("brand lookup throttled")
        brands = response["Responses"].get(brand_table) or []
        memberships = response["Responses"].get(membership_table) or []
        brand = Brand.from_raw_data(brands[0]) if brands else None
        status = Membership.from_raw_data(memberships[0]).status if memberships else None
        return link, brand, status

    def put_click_once(self, item: dict[str, Any]) -> None:
        # No condition: the id was minted for this tap (122 random bits), so nothing else can hold
        # it, and a write retried after it landed puts the same item again, which the stats
        # aggregator does not count twice (it folds INSERTs only). The spool's write keeps its
        # condition: the table may already hold that click.
        aws.client("dynamodb", "tap").put_item(TableName=Click.Meta.table_name, Item=item)

    def put_spooled_click(self, item: dict[str, Any]) -> None:
        from chalicelib.storage.errors import AlreadyExists  # not on the redirect's import path

        click = Click.from_raw_data(item)
        try:
            click.save(condition=Click.click_id.does_not_exist())
        except Exception as error:
            if condition_failed(error):
                raise AlreadyExists(click.click_id) from None
            raise


def tap_store() -> TapStore:
    return seam.provide("tap", DynamoTapStore)


def read_link_and_terms(code: str) -> tuple[Optional[Link], Optional[Brand], Optional[str]]:
    """`tap_store().read_link_and_terms`, as the redirect calls it."""
    return seam.provide("tap", DynamoTapStore).read_link_and_terms(code)


def put_click_once(item: dict[str, Any]) -> None:
    """`tap_store().put_click_once`, as the tap calls it."""
    seam.provide("tap", DynamoTapStore).put_click_once(item)
