"""The demo data of a local run: one brand, one creator, one link.

On a fresh database they are created; on a database that already has them
(an external moto server), their keys are rotated so they can be printed
again (keys are stored only as hashes).
"""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.accounts import brands, creators
from chalicelib.links import short_links as links
from chalicelib.storage.accounts import HandleClaim
from chalicelib.storage.links import Link

DEMO_HANDLE = "demo.creator"
DEMO_ALIAS = "demo"
DEMO_DESTINATION = "https://shop.example.com/products/glow-serum?utm_source=affilink#reviews"


@dataclass
class Demo:
    brand_id: str
    brand_key: str
    creator_id: str
    creator_key: str
    code: str
    short_url: str


def seed_demo() -> Demo:
    try:
        claim = HandleClaim.get(DEMO_HANDLE, consistent_read=True)
        link = Link.get(DEMO_ALIAS, consistent_read=True)
    except DoesNotExist:
        return _create_demo()
    return Demo(
        brand_id=link.brand_id,
        brand_key=brands.rotate_api_key(link.brand_id)["api_key"],
        creator_id=claim.creator_id,
        creator_key=creators.rotate_api_key(claim.creator_id)["api_key"],
        code=link.code,
        short_url=links.short_url(link.code),
    )


def _create_demo() -> Demo:
    brand = brands.create_brand(
        {
            "name": "Demo Shop",
            "allowed_domains": ["shop.example.com"],
            "commission": {"type": "percent", "rate_bps": 1000},
        }
    )
    creator = creators.create_creator({"handle": DEMO_HANDLE})
    link = links.create_link(
        creator["creator_id"],
        {"brand_id": brand["brand_id"], "destination": DEMO_DESTINATION, "alias": DEMO_ALIAS, "source": "demo"},
    )
    return Demo(
        brand_id=brand["brand_id"],
        brand_key=brand["api_key"],
        creator_id=creator["creator_id"],
        creator_key=creator["api_key"],
        code=link["code"],
        short_url=link["short_url"],
    )
