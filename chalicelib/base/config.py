"""Settings, read lazily from the environment on first use.

Nothing here runs at import time: CDK synthesis and `chalice package` import
`app.py` with placeholder values, and tests change the environment between
cases. Call `settings()` where a value is needed; `reset()` forgets the cache.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from chalicelib.base import aws
from chalicelib.base.aws import region

DEFAULT_CLICK_RETENTION_DAYS = 120
CLICK_SPOOL_URL_VARIABLE = "AFFILINK_CLICK_SPOOL_URL"
# Secrets Manager secrets (ids or ARNs): what the CDK stack creates, with generated values.
ADMIN_KEY_SECRET_VARIABLE = "AFFILINK_ADMIN_KEY_SECRET_ID"
APP_SECRET_VARIABLE = "AFFILINK_SECRET_SECRET_ID"
# Clicks must outlive the longest attribution window (90 days), or sales lose their click.
MIN_CLICK_RETENTION_DAYS = 91


@dataclass(frozen=True)
class Settings:
    table_prefix: str
    region: str
    public_base_url: str
    api_base_url: Optional[str]  # where the API answers, when it is not known from the request
    admin_key_env: Optional[str]
    admin_key_parameter: Optional[str]
    admin_key_secret_id: Optional[str]
    secret_env: Optional[str]
    secret_parameter: Optional[str]
    secret_secret_id: Optional[str]
    click_retention_days: int
    click_spool_queue_url: Optional[str]
    metrics_namespace: str
    close_month_function: Optional[str]

    def table_name(self, concept: str) -> str:
        return f"{self.table_prefix}{concept}"


def _retention_days(raw: str) -> int:
    days = int(raw)
    if days < MIN_CLICK_RETENTION_DAYS:
        raise ValueError(
            f"AFFILINK_CLICK_RETENTION_DAYS must be at least {MIN_CLICK_RETENTION_DAYS} "
            "(longer than the longest attribution window)"
        )
    return days


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_prefix=env.get("AFFILINK_TABLE_PREFIX", "affilink-"),
        region=region(),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        api_base_url=(env.get("AFFILINK_API_BASE_URL") or "").rstrip("/") or None,
        admin_key_env=env.get("AFFILINK_ADMIN_KEY") or None,
        admin_key_parameter=env.get("AFFILINK_ADMIN_KEY_PARAMETER") or None,
        admin_key_secret_id=env.get(ADMIN_KEY_SECRET_VARIABLE) or None,
        secret_env=env.get("AFFILINK_SECRET") or None,
        secret_parameter=env.get("AFFILINK_SECRET_PARAMETER") or None,
        secret_secret_id=env.get(APP_SECRET_VARIABLE) or None,
        click_retention_days=_retention_days(
            env.get("AFFILINK_CLICK_RETENTION_DAYS", str(DEFAULT_CLICK_RETENTION_DAYS))
        ),
        click_spool_queue_url=env.get(CLICK_SPOOL_URL_VARIABLE) or None,
        metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE") or "Affilink",
        close_month_function=env.get("AFFILINK_CLOSE_MONTH_FUNCTION") or None,
    )


def reset() -> None:
    """Forget cached settings and secrets (tests, local runner)."""
    settings.cache_clear()
    _stored.clear()
    aws.reset()


SECRET_CACHE_SECONDS = 300.0  # a rotated key or secret is picked up within five minutes
_stored: dict[tuple[str, str], tuple[float, str]] = {}


def _stored_secret(service: str, name: str) -> str:
    """A Secrets Manager secret or an SSM SecureString parameter, kept `SECRET_CACHE_SECONDS`.

    Read with a `base.aws` client (botocore, which the tap has loaded already): Powertools'
    parameters utility, which did this before, imports the full AWS SDK for Python, ~20 ms of the
    first tap of every instance in AWS (the tap hashes visitors with the app secret)."""
    cached = _stored.get((service, name))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    client = aws.client(service)
    if service == "secretsmanager":
        value = client.get_secret_value(SecretId=name)["SecretString"]
    else:
        value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    _stored[(service, name)] = (time.monotonic() + SECRET_CACHE_SECONDS, value)
    return value


def _secret_value(
    env_value: Optional[str], parameter: Optional[str], secret_id: Optional[str], label: str
) -> str:
    if env_value:
        return env_value
    if secret_id:
        return _stored_secret("secretsmanager", secret_id)
    if parameter:
        return _stored_secret("ssm", parameter)
    raise RuntimeError(f"{label} is not configured")


def admin_key() -> str:
    s = settings()
    return _secret_value(s.admin_key_env, s.admin_key_parameter, s.admin_key_secret_id, "AFFILINK_ADMIN_KEY")


def app_secret() -> str:
    """The secret behind cursor signatures and the daily visitor salt."""
    s = settings()
    return _secret_value(s.secret_env, s.secret_parameter, s.secret_secret_id, "AFFILINK_SECRET")
