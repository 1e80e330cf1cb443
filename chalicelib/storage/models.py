"""Every DynamoDB table of Affilink, as PynamoDB models: the one place that
knows how data is stored. `docs/data-model.md` explains each table, its keys,
indexes, stream and TTL, and the access pattern each one serves.

Table names and the region are resolved lazily (on first use) from
`chalicelib.config`, never at import time.
"""
from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.config import Config
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.base.config import region, settings


class _TableName:
    def __init__(self, concept: str):
        self.concept = concept

    def __get__(self, obj, owner=None) -> str:
        return settings().table_name(self.concept)


class _Region:
    # Not settings(): PynamoDB touches `region` when the model class is created,
    # and settings() must not be cached at import.
    def __get__(self, obj, owner=None) -> str:
        return region()


def _meta(concept: str, stream_view_type: str | None = None) -> type:
    attrs = {
        "table_name": _TableName(concept),
        "region": _Region(),
        "billing_mode": PAY_PER_REQUEST_BILLING_MODE,
        "max_retry_attempts": 3,
    }
    if stream_view_type:
        attrs["stream_view_type"] = stream_view_type
    return type("Meta", (), attrs)


def _index_meta(name: str, projection=None) -> type:
    return type(
        "Meta",
        (),
        {
            "index_name": name,
            "projection": projection or AllProjection(),
            "billing_mode": PAY_PER_REQUEST_BILLING_MODE,
        },
    )


# --- accounts -----------------------------------------------------------------


class CommissionRule(MapAttribute):
    type = UnicodeAttribute()  # "percent" | "flat"
    rate_bps = NumberAttribute(null=True)
    amount = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)


BRAND_PUBLIC_FIELDS = [
    "name", "allowed_domains", "commission", "attribution_window_days", "hold_days", "program",
    "created_at", "updated_at",
]


class BrandCatalogueIndex(GlobalSecondaryIndex):
    """All brands in id order: the admin list and the creators' catalogue.
    Projects only public fields: no key hash or secret is copied into the index."""

    Meta = _index_meta("catalogue", IncludeProjection(BRAND_PUBLIC_FIELDS))
    catalogue = UnicodeAttribute(hash_key=True)
    brand_id = UnicodeAttribute(range_key=True)


class Brand(Model):
    Meta = _meta("brands")
    brand_id = UnicodeAttribute(hash_key=True)
    catalogue = UnicodeAttribute(default="brands")
    name = UnicodeAttribute()
    allowed_domains = ListAttribute(of=UnicodeAttribute)
    commission = CommissionRule()
    attribution_window_days = NumberAttribute()
    hold_days = NumberAttribute()
    program = UnicodeAttribute()
    api_key_hash = UnicodeAttribute()
    # Stored recoverably (HMAC needs the secret itself); the table is encrypted
    # at rest with a KMS key in AWS, and these are never returned after creation.
    webhook_secret = UnicodeAttribute()
    previous_webhook_secret = UnicodeAttribute(null=True)
    previous_webhook_secret_until = UnicodeAttribute(null=True)
    integration_secrets = MapAttribute(null=True)  # platform -> secret
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    catalogue_index = BrandCatalogueIndex()


class Creator(Model):
    Meta = _meta("creators")
    creator_id = UnicodeAttribute(hash_key=True)
    handle = UnicodeAttribute()
    api_key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()


class HandleClaim(Model):
    """Makes handles unique: written in one transaction with the creator."""

    Meta = _meta("handles")
    handle = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()


class ApiKey(Model):
    """One item per live key, keyed by the key's SHA-256: the one consistent read of auth."""

    Meta = _meta("api_keys")
    key_hash = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()  # "brand" | "creator"
    owner_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class MembershipsByCreatorIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    brand_id = UnicodeAttribute(range_key=True)


class Membership(Model):
    """A brand's decision about one creator: approved or blocked."""

    Meta = _meta("memberships")
    brand_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # "approved" | "blocked"
    updated_at = UnicodeAttribute()

    by_creator = MembershipsByCreatorIndex()


class RateLimitCounter(Model):
    """One counter per (what, who, UTC minute); expires a few minutes later."""

    Meta = _meta("rate_limits")
    counter_key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()


# --- links and clicks ---------------------------------------------------------


class LinksByCreatorIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class LinksByBrandIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_brand")
    brand_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class Link(Model):
    Meta = _meta("links")
    code = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    brand_id = UnicodeAttribute()
    destination = UnicodeAttribute()
    source = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute(null=True)
    disabled = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    # "<created epoch ms, 13 digits>#<code>": newest-first listings per creator and brand.
    listing_key = UnicodeAttribute()

    by_creator = LinksByCreatorIndex()
    by_brand = LinksByBrandIndex()


class Click(Model):
    """One item per tap, keyed by its random click id so a viral link spreads
    its writes over every partition. The stream feeds the stats aggregation."""

    Meta = _meta("clicks", stream_view_type="NEW_IMAGE")
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


class VisitorMark(Model):
    """Written by the stats aggregator only: "this visitor was seen on this link
    today" (unique clicks) and per-visitor minute counters (automation)."""

    Meta = _meta("visitor_marks")
    mark_key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    click_ids = ListAttribute(of=UnicodeAttribute, null=True)
    expires_at = TTLAttribute()


class StatsCounter(Model):
    """Pre-aggregated counters: scope `link#<code>`, `creator#<id>`, `brand#<id>`;
    bucket `day#YYYY-MM-DD`. Counters are flat attributes (`clicks`,
    `country#US`, `sales#USD`, …) so `ADD` works without nested maps, and each
    update is conditional on the stream shard's last applied sequence number
    (`applied#<shard>`), so a retried batch never counts twice."""

    Meta = _meta("stats")
    scope = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)


# --- conversions, refunds, statements -------------------------------------------


class ConversionsByBrandIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_brand_received")
    brand_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class ConversionsByCreatorIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_creator_received")
    creator_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class PendingConversionsIndex(GlobalSecondaryIndex):
    """Sparse: only pending attributed conversions carry `pending_shard`.
    The close queries each shard for `eligible_key < first instant of M+1`."""

    Meta = _index_meta("pending_by_eligibility", KeysOnlyProjection())
    pending_shard = UnicodeAttribute(hash_key=True)
    eligible_key = UnicodeAttribute(range_key=True)


class ConversionsByStatementIndex(GlobalSecondaryIndex):
    """Sparse: approved conversions by statement month, to (re)build statements."""

    Meta = _index_meta("by_statement_month")
    statement_month = UnicodeAttribute(hash_key=True)
    conversion_id = UnicodeAttribute(range_key=True)


class Conversion(Model):
    """Keyed by (brand, order_id): the conditional put on that key is what makes
    a sale exactly-once however often the webhook is retried."""

    Meta = _meta("conversions", stream_view_type="NEW_AND_OLD_IMAGES")
    brand_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    conversion_id = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    link_code = UnicodeAttribute(null=True)
    click_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    refunded_amount = NumberAttribute(default=0)
    currency = UnicodeAttribute()
    commission_amount = NumberAttribute()
    commission_currency = UnicodeAttribute()
    # Copied from the brand when the conversion is received (a later PATCH of
    # the brand changes later conversions only).
    commission_rule = CommissionRule()
    hold_days = NumberAttribute()
    attribution_window_days = NumberAttribute()
    status = UnicodeAttribute()  # pending | approved | refunded | unattributed
    occurred_at = UnicodeAttribute()
    received_at = UnicodeAttribute()
    statement_month = UnicodeAttribute(null=True)
    listing_key = UnicodeAttribute()
    pending_shard = UnicodeAttribute(null=True)
    eligible_key = UnicodeAttribute(null=True)

    by_brand_received = ConversionsByBrandIndex()
    by_creator_received = ConversionsByCreatorIndex()
    pending_by_eligibility = PendingConversionsIndex()
    by_statement_month = ConversionsByStatementIndex()


class AdjustmentsByMonthIndex(GlobalSecondaryIndex):
    """Sparse: refunds of already approved conversions, by the month they arrived."""

    Meta = _index_meta("adjustments_by_month")
    adjustment_month = UnicodeAttribute(hash_key=True)
    adjustment_key = UnicodeAttribute(range_key=True)


class Refund(Model):
    """Keyed by (brand#order, refund_id): a repeated refund id changes nothing."""

    Meta = _meta("refunds")
    order_key = UnicodeAttribute(hash_key=True)
    refund_id = UnicodeAttribute(range_key=True)
    brand_id = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    commission_delta = NumberAttribute()
    commission_currency = UnicodeAttribute()
    occurred_at = UnicodeAttribute(null=True)  # as the brand reported it
    received_at = UnicodeAttribute()
    adjustment_month = UnicodeAttribute(null=True)
    adjustment_key = UnicodeAttribute(null=True)

    adjustments_by_month = AdjustmentsByMonthIndex()


class StatementLinesByCreatorIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    month_line = UnicodeAttribute(range_key=True)


class StatementLinesByBrandIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_brand")
    brand_id = UnicodeAttribute(hash_key=True)
    month_line = UnicodeAttribute(range_key=True)


class StatementLine(Model):
    """One counterparty pair and commission currency in one closed month."""

    Meta = _meta("statement_lines")
    month = UnicodeAttribute(hash_key=True)
    line_key = UnicodeAttribute(range_key=True)  # brand#creator#currency
    month_line = UnicodeAttribute()  # month#brand#creator#currency
    brand_id = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    conversions = NumberAttribute(default=0)
    sales = MapAttribute(null=True)  # sale currency -> amount
    commission = NumberAttribute(default=0)
    adjustments = NumberAttribute(default=0)
    net = NumberAttribute(default=0)
    paid_at = UnicodeAttribute(null=True)

    by_creator = StatementLinesByCreatorIndex()
    by_brand = StatementLinesByBrandIndex()


class MonthClose(Model):
    """The state of one month's close: closing, then closed with its counts."""

    Meta = _meta("month_closes")
    month = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # closing | closed
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    statements = NumberAttribute(default=0)
    conversions_approved = NumberAttribute(default=0)
    adjustments = NumberAttribute(default=0)


class ParkedByTimeIndex(GlobalSecondaryIndex):
    Meta = _index_meta("by_received")
    parked = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class ParkedDelivery(Model):
    """A correctly signed shop delivery that could not be used, kept whole."""

    Meta = _meta("parked_deliveries")
    delivery_id = UnicodeAttribute(hash_key=True)
    parked = UnicodeAttribute(default="parked")
    listing_key = UnicodeAttribute()
    brand_id = UnicodeAttribute()
    platform = UnicodeAttribute()
    reason = UnicodeAttribute()
    headers = MapAttribute(null=True)
    body = UnicodeAttribute()
    received_at = UnicodeAttribute()

    by_received = ParkedByTimeIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    Brand,
    Creator,
    HandleClaim,
    ApiKey,
    Membership,
    RateLimitCounter,
    Link,
    Click,
    VisitorMark,
    StatsCounter,
    Conversion,
    Refund,
    StatementLine,
    MonthClose,
    ParkedDelivery,
)


def create_tables() -> None:
    """Create every table that does not exist yet (local runs and tests; AWS uses infra/)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode=PAY_PER_REQUEST_BILLING_MODE, wait=False)


def transaction():
    """A PynamoDB write transaction on the configured region and endpoint."""
    return TransactWrite(connection=_transaction_connection(region()))


@lru_cache(maxsize=4)
def _transaction_connection(region: str):
    # One connection (one botocore client) per region for the life of the
    # process: building a client costs tens of milliseconds on every call.
    return Connection(region=region)


def condition_failed(error: Exception) -> bool:
    """True when a put, update or transaction failed only on its condition."""
    cause = getattr(error, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


# --- the tap's own storage calls --------------------------------------------------
# The redirect cannot wait: its reads and its one write use a client with one
# attempt and sub-second timeouts (no botocore retries), and go through the
# models' own (de)serialisation.


@lru_cache(maxsize=1)
def fast_dynamodb_client():
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name=region(),
        config=Config(connect_timeout=0.3, read_timeout=0.5, retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def read_link_and_terms(code: str) -> tuple[Link | None, Brand | None, str | None]:
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


def put_click_once(click: Click) -> None:
    """One attempt to write a new click; raises on any failure (the caller spools)."""
    fast_dynamodb_client().put_item(
        TableName=Click.Meta.table_name,
        Item=click.serialize(),
        ConditionExpression="attribute_not_exists(click_id)",
    )
