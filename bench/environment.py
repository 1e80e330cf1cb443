"""What every benchmark shares: fake credentials for moto (never AWS), the viral link's seed."""
from __future__ import annotations

import os

# Fake credentials (moto's, never AWS's) and the app's settings, for every backend of the bench.
BENCH_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "b", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "us-east-1",
                     "AFFILINK_ADMIN_KEY": "bench-admin", "AFFILINK_SECRET": "bench-secret"}


def in_process_moto() -> None:
    """Fake credentials and settings for a benchmark against in-process moto."""
    os.environ.update(BENCH_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    forget_clients()


def forget_clients() -> None:
    """Drop every cached DynamoDB client and connection: the next section has another backend."""
    from chalicelib.base import aws, config
    from chalicelib.storage import dynamodb, schema

    # PynamoDB keeps a model's connection (and its endpoint) for the life of the class; it offers
    # no public way to drop it.
    for model in schema.ALL_TABLES:
        model._connection = None
    aws.reset()  # our own clients, built by chalicelib.base.aws
    dynamodb.transaction_connections_reset()
    config.reset()


def seed_viral_link(handle: str, destination: str) -> str:
    """A brand, a creator and the creator's link `viral` (in the current backend); the creator's id."""
    from chalicelib.accounts import brands, creators
    from chalicelib.links import short_links

    brand = brands.create_brand({"name": "Bench", "allowed_domains": ["shop.example.com"],
                                 "commission": {"type": "percent", "rate_bps": 1000}})
    creator = creators.create_creator({"handle": handle})
    short_links.create_link(creator["creator_id"], {"brand_id": brand["brand_id"], "alias": "viral",
                                                    "destination": destination})
    return creator["creator_id"]


def compile_like_the_package() -> None:
    """Compile app.py and chalicelib/ before a cold start is timed, as the deployment package
    ships them (infra/bytecode.py): Lambda's cold start compiles nothing, and neither may the
    bench's, whether this clone is fresh or Python is told not to write bytecode
    (PYTHONDONTWRITEBYTECODE, set on some machines). The venv's packages were compiled by pip."""
    import compileall
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    compileall.compile_file(str(root / "app.py"), quiet=2)
    compileall.compile_dir(str(root / "chalicelib"), quiet=2)
