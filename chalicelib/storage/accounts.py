"""The accounts' tables: brands, creators (and their unique handles), API keys,
and memberships (a brand's decision about a creator); and `AccountsStore`, what the
accounts capability reads and writes of them.

The redirect imports this module (for the models its one read deserialises), so the
store's own helpers that the redirect never needs (cursors, refusals) are imported
where they are used, not here: the cold start pays for nothing it does not run.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Protocol, Union, cast

from pynamodb.attributes import Attribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.constants import MAP
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import RemoveAction, SetAction
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib.base.money import CommissionRule
from chalicelib.storage import keys, seam
from chalicelib.storage.dynamodb import get_or_none, index_meta, raise_refusal, table_meta, transaction

if TYPE_CHECKING:
    from chalicelib.storage.pagination import Page


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


BRAND = "brand"
CREATOR = "creator"
"""The roles a stored API key can have (the admin's key is configuration, never stored)."""


class AccountsStore(Protocol):
    """What the accounts capability reads and writes: brands, creators and their handles,
    API keys (by their SHA-256, never the key) and memberships. Items are handed out as
    read-only values."""

    def create_brand(
        self, *, brand_id: str, terms: Mapping[str, Any], api_key_hash: str, webhook_secret: str, created_at: str
    ) -> Brand:
        """The brand and its first API key, written in one transaction; `AlreadyExists` when the id is taken."""

    def find_brand(self, brand_id: str, *, consistent: bool = False) -> Optional[Brand]:
        """The brand (a consistent read if asked), or None."""

    def find_brands(self, brand_ids: list[str]) -> list[Brand]:
        """The brands of these ids that exist, in no particular order (one BatchGetItem per 100)."""

    def update_brand_terms(self, brand_id: str, terms: Mapping[str, Any], *, updated_at: str) -> Brand:
        """Set these terms (attribute name -> value) of an existing brand and hand back the brand as now
        stored; `ChangedMeanwhile` when the brand does not exist."""

    def rotate_webhook_secret(
        self, brand_id: str, *, old_secret: str, new_secret: str, old_secret_until: str, updated_at: str
    ) -> None:
        """Make `new_secret` the brand's webhook secret, keeping `old_secret` valid until `old_secret_until`;
        conditioned on the stored secret still being `old_secret` (else `ChangedMeanwhile`)."""

    def catalogue_page(
        self, *, limit: int, cursor: Optional[str], scope: str, keep: Callable[[Brand], bool] = lambda brand: True
    ) -> Page:
        """Brands in id order that `keep` accepts, with their public fields only (never a key hash or a
        secret); the cursor resumes after the last brand handed out (`InvalidInput` for a foreign one)."""

    def create_creator(self, *, creator_id: str, handle: str, api_key_hash: str, created_at: str) -> Creator:
        """The creator, the claim on their handle and their first API key, in one transaction;
        `AlreadyExists` when the handle (or the id) is taken."""

    def find_creator(self, creator_id: str, *, consistent: bool = False) -> Optional[Creator]:
        """The creator (a consistent read if asked), or None."""

    def find_creators(self, creator_ids: list[str]) -> list[Creator]:
        """The creators of these ids that exist, in no particular order (one BatchGetItem per 100)."""

    def find_key(self, key_hash: str) -> Optional[ApiKey]:
        """The live API key with this SHA-256 (a consistent read: a retired key is gone at once), or None."""

    def replace_key(self, role: str, owner_id: str, *, old_hash: str, new_hash: str, created_at: str) -> None:
        """Retire the owner's key `old_hash`, store `new_hash` in its place and point the owner (a brand or a
        creator, by `role`) at it, in one transaction; conditioned on the owner's key still being `old_hash`
        (else `ChangedMeanwhile`)."""

    def save_membership(self, brand_id: str, creator_id: str, *, status: str, updated_at: str) -> Membership:
        """The brand's decision about the creator, replacing any earlier one (unconditional)."""

    def membership_status(self, brand_id: str, creator_id: str) -> Optional[str]:
        """"approved", "blocked", or None when the brand never decided (an eventually consistent read)."""

    def memberships_of_brand(self, brand_id: str) -> list[Membership]:
        """The brand's decisions, in creator id order."""

    def memberships_of_creator(self, creator_id: str) -> list[Membership]:
        """The decisions about the creator, in brand id order (from an index: eventually consistent)."""


_OWNERS: dict[str, Any] = {BRAND: Brand, CREATOR: Creator}


class DynamoAccountsStore:
    def create_brand(
        self, *, brand_id: str, terms: Mapping[str, Any], api_key_hash: str, webhook_secret: str, created_at: str
    ) -> Brand:
        brand = Brand(
            brand_id,
            api_key_hash=api_key_hash,
            webhook_secret=webhook_secret,
            created_at=created_at,
            updated_at=created_at,
            **terms,
        )
        try:
            with transaction() as write:
                write.save(brand, condition=Brand.brand_id.does_not_exist())
                write.save(ApiKey(api_key_hash, role=BRAND, owner_id=brand_id, created_at=created_at))
        except TransactWriteError as error:
            raise_refusal(error, create=True)
            raise
        return brand

    def find_brand(self, brand_id: str, *, consistent: bool = False) -> Optional[Brand]:
        return get_or_none(Brand, brand_id, consistent=consistent)

    def find_brands(self, brand_ids: list[str]) -> list[Brand]:
        return list(Brand.batch_get(brand_ids))

    def update_brand_terms(self, brand_id: str, terms: Mapping[str, Any], *, updated_at: str) -> Brand:
        brand = Brand(brand_id)
        actions = [getattr(Brand, field).set(value) for field, value in terms.items()]
        actions.append(Brand.updated_at.set(updated_at))
        try:
            brand.update(actions=actions, condition=Brand.brand_id.exists())
        except UpdateError as error:
            raise_refusal(error)
            raise
        return brand  # as DynamoDB answered the update (ALL_NEW)

    def rotate_webhook_secret(
        self, brand_id: str, *, old_secret: str, new_secret: str, old_secret_until: str, updated_at: str
    ) -> None:
        try:
            Brand(brand_id).update(
                actions=[
                    Brand.previous_webhook_secret.set(old_secret),
                    Brand.previous_webhook_secret_until.set(old_secret_until),
                    Brand.webhook_secret.set(new_secret),
                    Brand.updated_at.set(updated_at),
                ],
                condition=Brand.webhook_secret == old_secret,
            )
        except UpdateError as error:
            raise_refusal(error)
            raise

    def catalogue_page(
        self, *, limit: int, cursor: Optional[str], scope: str, keep: Callable[[Brand], bool] = lambda brand: True
    ) -> Page:
        from chalicelib.storage.pagination import key_attributes, paginate

        return paginate(
            scope=scope,
            cursor=cursor,
            limit=limit,
            query=lambda start: Brand.catalogue_index.query(keys.CATALOGUE, last_evaluated_key=start),
            key_attributes=key_attributes(Brand, Brand.catalogue_index),
            keep=keep,
        )

    def create_creator(self, *, creator_id: str, handle: str, api_key_hash: str, created_at: str) -> Creator:
        creator = Creator(creator_id, handle=handle, api_key_hash=api_key_hash, created_at=created_at)
        try:
            with transaction() as write:
                write.save(HandleClaim(handle, creator_id=creator_id), condition=HandleClaim.handle.does_not_exist())
                write.save(creator, condition=Creator.creator_id.does_not_exist())
                write.save(ApiKey(api_key_hash, role=CREATOR, owner_id=creator_id, created_at=created_at))
        except TransactWriteError as error:
            raise_refusal(error, create=True)
            raise
        return creator

    def find_creator(self, creator_id: str, *, consistent: bool = False) -> Optional[Creator]:
        return get_or_none(Creator, creator_id, consistent=consistent)

    def find_creators(self, creator_ids: list[str]) -> list[Creator]:
        return list(Creator.batch_get(creator_ids))

    def find_key(self, key_hash: str) -> Optional[ApiKey]:
        return get_or_none(ApiKey, key_hash, consistent=True)

    def replace_key(self, role: str, owner_id: str, *, old_hash: str, new_hash: str, created_at: str) -> None:
        owner_model = _OWNERS[role]
        try:
            with transaction() as write:
                write.delete(ApiKey(old_hash))
                write.save(ApiKey(new_hash, role=role, owner_id=owner_id, created_at=created_at))
                write.update(
                    owner_model(owner_id),
                    actions=[owner_model.api_key_hash.set(new_hash)],
                    condition=owner_model.api_key_hash == old_hash,
                )
        except TransactWriteError as error:
            raise_refusal(error)
            raise

    def save_membership(self, brand_id: str, creator_id: str, *, status: str, updated_at: str) -> Membership:
        membership = Membership(brand_id, creator_id, status=status, updated_at=updated_at)
        membership.save()
        return membership

    def membership_status(self, brand_id: str, creator_id: str) -> Optional[str]:
        membership = get_or_none(Membership, brand_id, creator_id)
        return membership.status if membership is not None else None

    def memberships_of_brand(self, brand_id: str) -> list[Membership]:
        return list(Membership.query(brand_id))

    def memberships_of_creator(self, creator_id: str) -> list[Membership]:
        return list(Membership.by_creator.query(creator_id))


def accounts_store() -> AccountsStore:
    return seam.provide("accounts", DynamoAccountsStore)
