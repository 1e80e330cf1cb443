"""The in-memory twin of `storage.accounts.DynamoAccountsStore`: the tables as dicts of
stored items, transactions checked whole before anything is written, listings in the
order of the table's or index's keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Optional

from chalicelib.storage.accounts import (
    BRAND,
    BRAND_PUBLIC_FIELDS,
    CREATOR,
    ApiKey,
    Brand,
    Creator,
    Membership,
)
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.pagination import Page, key_attributes, paginate

# What the catalogue index holds of a brand: its keys and public fields (never a key hash or a secret).
_CATALOGUE_ATTRIBUTES = frozenset(("brand_id", "catalogue", *BRAND_PUBLIC_FIELDS))


def _serialized(model: Any) -> dict:
    return model.serialize()


class InMemoryAccountsStore:
    def __init__(self) -> None:
        self.brands: dict[str, dict] = {}  # brand id -> the stored item
        self.creators: dict[str, dict] = {}
        self.handles: dict[str, str] = {}  # handle -> creator id
        self.keys: dict[str, dict] = {}  # key hash -> the stored item
        self.memberships: dict[tuple[str, str], dict] = {}  # (brand id, creator id) -> the stored item

    def _key(self, key_hash: str, role: str, owner_id: str, created_at: str) -> dict:
        return _serialized(ApiKey(key_hash, role=role, owner_id=owner_id, created_at=created_at))

    def create_brand(
        self, *, brand_id: str, terms: Mapping[str, Any], api_key_hash: str, webhook_secret: str, created_at: str
    ) -> Brand:
        if brand_id in self.brands:
            raise AlreadyExists(f"brand {brand_id} exists")
        item = _serialized(
            Brand(brand_id, api_key_hash=api_key_hash, webhook_secret=webhook_secret, created_at=created_at,
                  updated_at=created_at, **terms)
        )
        self.brands[brand_id] = item
        self.keys[api_key_hash] = self._key(api_key_hash, BRAND, brand_id, created_at)
        return Brand.from_raw_data(item)

    def find_brand(self, brand_id: str, *, consistent: bool = False) -> Optional[Brand]:
        item = self.brands.get(brand_id)
        return Brand.from_raw_data(item) if item is not None else None

    def find_brands(self, brand_ids: list[str]) -> list[Brand]:
        return [Brand.from_raw_data(self.brands[brand_id]) for brand_id in set(brand_ids) if brand_id in self.brands]

    def update_brand_terms(self, brand_id: str, terms: Mapping[str, Any], *, updated_at: str) -> Brand:
        return self._change_brand(brand_id, {**terms, "updated_at": updated_at})

    def _change_brand(self, brand_id: str, values: Mapping[str, Any],
                      condition: Callable[[Brand], bool] = lambda brand: True) -> Brand:
        item = self.brands.get(brand_id)
        if item is None:
            raise ChangedMeanwhile(f"brand {brand_id} does not exist")
        brand = Brand.from_raw_data(item)
        if not condition(brand):
            raise ChangedMeanwhile(f"brand {brand_id} changed meanwhile")
        for field, value in values.items():
            setattr(brand, field, value)
        self.brands[brand_id] = _serialized(brand)
        return Brand.from_raw_data(self.brands[brand_id])

    def rotate_webhook_secret(
        self, brand_id: str, *, old_secret: str, new_secret: str, old_secret_until: str, updated_at: str
    ) -> None:
        self._change_brand(
            brand_id,
            {"previous_webhook_secret": old_secret, "previous_webhook_secret_until": old_secret_until,
             "webhook_secret": new_secret, "updated_at": updated_at},
            condition=lambda brand: brand.webhook_secret == old_secret,
        )

    def catalogue_page(
        self, *, limit: int, cursor: Optional[str], scope: str, keep: Callable[[Brand], bool] = lambda brand: True
    ) -> Page:
        def query(start: Optional[dict]) -> Iterator[Brand]:
            after = start["brand_id"]["S"] if start else None
            for brand_id in sorted(self.brands):
                if after is None or brand_id > after:
                    item = self.brands[brand_id]
                    yield Brand.from_raw_data({k: v for k, v in item.items() if k in _CATALOGUE_ATTRIBUTES})

        return paginate(scope=scope, cursor=cursor, limit=limit, query=query,
                        key_attributes=key_attributes(Brand, Brand.catalogue_index), keep=keep)

    def create_creator(self, *, creator_id: str, handle: str, api_key_hash: str, created_at: str) -> Creator:
        if handle in self.handles or creator_id in self.creators:
            raise AlreadyExists(f"handle {handle} is taken")
        item = _serialized(Creator(creator_id, handle=handle, api_key_hash=api_key_hash, created_at=created_at))
        self.handles[handle] = creator_id
        self.creators[creator_id] = item
        self.keys[api_key_hash] = self._key(api_key_hash, CREATOR, creator_id, created_at)
        return Creator.from_raw_data(item)

    def find_creator(self, creator_id: str, *, consistent: bool = False) -> Optional[Creator]:
        item = self.creators.get(creator_id)
        return Creator.from_raw_data(item) if item is not None else None

    def find_creators(self, creator_ids: list[str]) -> list[Creator]:
        return [Creator.from_raw_data(self.creators[c]) for c in set(creator_ids) if c in self.creators]

    def find_key(self, key_hash: str) -> Optional[ApiKey]:
        item = self.keys.get(key_hash)
        return ApiKey.from_raw_data(item) if item is not None else None

    def replace_key(self, role: str, owner_id: str, *, old_hash: str, new_hash: str, created_at: str) -> None:
        owners = {BRAND: self.brands, CREATOR: self.creators}[role]
        owner = owners.get(owner_id)
        if owner is None or owner["api_key_hash"] != {"S": old_hash}:
            raise ChangedMeanwhile(f"the key of {role} {owner_id} changed meanwhile")
        self.keys.pop(old_hash, None)
        self.keys[new_hash] = self._key(new_hash, role, owner_id, created_at)
        owners[owner_id] = {**owner, "api_key_hash": {"S": new_hash}}

    def save_membership(self, brand_id: str, creator_id: str, *, status: str, updated_at: str) -> Membership:
        item = _serialized(Membership(brand_id, creator_id, status=status, updated_at=updated_at))
        self.memberships[(brand_id, creator_id)] = item
        return Membership.from_raw_data(item)

    def membership_status(self, brand_id: str, creator_id: str) -> Optional[str]:
        item = self.memberships.get((brand_id, creator_id))
        return Membership.from_raw_data(item).status if item is not None else None

    def memberships_of_brand(self, brand_id: str) -> list[Membership]:
        return [Membership.from_raw_data(self.memberships[key]) for key in sorted(self.memberships)
                if key[0] == brand_id]

    def memberships_of_creator(self, creator_id: str) -> list[Membership]:
        return [Membership.from_raw_data(self.memberships[key]) for key in sorted(self.memberships)
                if key[1] == creator_id]


if TYPE_CHECKING:  # mypy holds the twin to its store's Protocol
    from chalicelib.storage.accounts import AccountsStore

    _twin: AccountsStore = InMemoryAccountsStore()
