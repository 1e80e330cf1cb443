"""The accounts' tables: brands, creators (and their unique handles), API keys,
and memberships (a brand's decision about a creator)."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Union, cast

from pynamodb.attributes import Attribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.constants import MAP
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import RemoveAction, SetAction
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.base.money import CommissionRule
from chalicelib.storage import keys
from chalicelib.storage.dynamodb import get_or_none, index_meta, table_meta


class CommissionRuleAttribute(Attribute[CommissionRule]):
    """A `CommissionRule` stored as the map the API shows: `{type, rate_bps}` or `{type, amount, currency}`."""

    attr_type = MAP

    def serialize(self, value: Union[CommissionRule, Mapping[str, Any]]) -> dict[str, Any]:
        # An update's `set()` hands a map attribute's value over as a dict (see `set`).
        shown = value.view() if isinstance(value, CommissionRule) else value
        return {
            name: {"N": str(part)} if isinstance(part, int) else {"S": str(part)}
            for name, part in shown.items()
            if part is not None
        }

    def deserialize(self, value: dict[str, Any]) -> CommissionRule:
        def number(name: str) -> Optional[int]:
            return int(value[name]["N"]) if name in value else None

        return CommissionRule(
            kind=value["type"]["S"],
            rate_bps=number("rate_bps"),
            amount=number("amount"),
            currency=value["currency"]["S"] if "currency" in value else None,
        )

    def set(self, value: Any) -> Union[SetAction, RemoveAction]:
        # PynamoDB serialises the value of a map attribute in an update only when it is a dict.
        return Path(self).set(value.view() if isinstance(value, CommissionRule) else value)


BRAND_PUBLIC_FIELDS = (
    "name", "allowed_domains", "commission", "attribution_window_days", "hold_days", "program",
    "created_at", "updated_at",
)
"""What anyone allowed to see a brand sees besides its id; never a key hash or a secret."""


class BrandCatalogueIndex(GlobalSecondaryIndex["Brand"]):
    """All brands in id order: the admin list and the creators' catalogue.
    Projects only public fields: no key hash or secret is copied into the index."""

    Meta = index_meta("catalogue", IncludeProjection(list(BRAND_PUBLIC_FIELDS)))
    catalogue = UnicodeAttribute(hash_key=True)
    brand_id = UnicodeAttribute(range_key=True)


class Brand(Model):
    Meta = table_meta("brands", holds_secrets=True)  # webhook secrets
    brand_id = UnicodeAttribute(hash_key=True)
    catalogue = UnicodeAttribute(default=keys.CATALOGUE)
    name = UnicodeAttribute()
    # PynamoDB types a list by its element attribute class; the values read are str.
    allowed_domains = cast("ListAttribute[str]", ListAttribute(of=UnicodeAttribute))
    commission = CommissionRuleAttribute()
    attribution_window_days = NumberAttribute()
    hold_days = NumberAttribute()
    program = UnicodeAttribute()
    api_key_hash = UnicodeAttribute()
    # Stored recoverably (HMAC needs the secret itself); the table is encrypted
    # at rest with a KMS key in AWS, and these are never returned after creation.
    webhook_secret = UnicodeAttribute()
    previous_webhook_secret = UnicodeAttribute(null=True)
    previous_webhook_secret_until = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    catalogue_index = BrandCatalogueIndex()


class Creator(Model):
    Meta = table_meta("creators")
    creator_id = UnicodeAttribute(hash_key=True)
    handle = UnicodeAttribute()
    api_key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()


class HandleClaim(Model):
    """Makes handles unique: written in one transaction with the creator."""

    Meta = table_meta("handles")
    handle = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()


class ApiKey(Model):
    """One item per live key, keyed by the key's SHA-256: the one consistent read of auth."""

    Meta = table_meta("api_keys")
    key_hash = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()  # "brand" | "creator"
    owner_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class MembershipsByCreatorIndex(GlobalSecondaryIndex["Membership"]):
    Meta = index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    brand_id = UnicodeAttribute(range_key=True)


class Membership(Model):
    """A brand's decision about one creator: approved or blocked."""

    Meta = table_meta("memberships")
    brand_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # "approved" | "blocked"
    updated_at = UnicodeAttribute()

    by_creator = MembershipsByCreatorIndex()


TABLES: tuple[type[Model], ...] = (Brand, Creator, HandleClaim, ApiKey, Membership)


def membership_status(brand_id: str, creator_id: str) -> Optional[str]:
    """"approved", "blocked", or None when the brand never decided."""
    membership = get_or_none(Membership, brand_id, creator_id)
    return membership.status if membership is not None else None
