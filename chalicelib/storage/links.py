"""The links table: one item per short code, listed per creator and per brand."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.dynamodb import index_meta, table_meta


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
