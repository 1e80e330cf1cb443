"""Keys and secrets: shown once, never logged, and in AWS read from SSM."""
from __future__ import annotations

import json

import boto3

from chalicelib.base import config
from tests.helpers import ADMIN, bearer, call, make_brand, make_creator, make_link, new_id


def _everything_logged(caplog) -> str:
    return json.dumps([{**r.__dict__, "args": None, "exc_info": None} for r in caplog.records], default=str)


def test_no_key_or_secret_is_ever_logged(client, caplog):
    # Given accounts created, used and rotated
    brand = make_brand(client)
    creator = make_creator(client)
    make_link(client, creator, brand)
    rotated_brand = call(client, "POST", f"/brands/{brand['brand_id']}/rotate-key", headers=ADMIN).json
    rotated_secret = call(client, "POST", f"/brands/{brand['brand_id']}/rotate-webhook-secret", headers=ADMIN).json
    rotated_creator = call(client, "POST", f"/creators/{creator['creator_id']}/rotate-key", headers=ADMIN).json
    call(client, "GET", "/me", headers=bearer(rotated_creator["api_key"]))
    call(client, "GET", "/me", headers=bearer("afl_c_not-a-real-key"))
    # Then none of them is in any log record
    logged = _everything_logged(caplog)
    assert "request" in logged  # the access log is there...
    for secret in (
        brand["api_key"], brand["webhook_secret"], creator["api_key"], rotated_brand["api_key"],
        rotated_secret["webhook_secret"], rotated_creator["api_key"], "afl_c_not-a-real-key",
        "test-admin-key-0123456789",
    ):
        assert secret not in logged  # ...without a single key or secret


def _only_this_admin_key_is_accepted(client, monkeypatch, variable: str, reference: str, key: str) -> None:
    monkeypatch.delenv("AFFILINK_ADMIN_KEY")
    monkeypatch.setenv(variable, reference)
    config.reset()
    try:
        # Then that key is the admin key, and the old environment one is not
        assert call(client, "GET", "/brands", headers=bearer(key)).status_code == 200
        assert call(client, "GET", "/brands", headers=ADMIN).status_code == 401
    finally:
        monkeypatch.undo()
        config.reset()


def test_the_admin_key_can_come_from_an_ssm_parameter(client, monkeypatch):
    # Given the admin key stored as a SecureString parameter, not in the environment
    parameter = new_id("/affilink/admin-key")
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=parameter, Value="admin-key-from-ssm", Type="SecureString"
    )
    _only_this_admin_key_is_accepted(client, monkeypatch, "AFFILINK_ADMIN_KEY_PARAMETER", parameter,
                                     "admin-key-from-ssm")


def test_the_admin_key_can_come_from_a_secrets_manager_secret(client, monkeypatch):
    # Given the admin key in Secrets Manager, as the CDK stack stores it (a generated value)
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=new_id("affilink/admin-key"), SecretString="admin-key-from-secrets-manager"
    )
    _only_this_admin_key_is_accepted(client, monkeypatch, "AFFILINK_ADMIN_KEY_SECRET_ID", secret["ARN"],
                                     "admin-key-from-secrets-manager")


def test_a_rotated_secret_is_read_again_after_five_minutes_not_before(client, monkeypatch):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    secret = secrets.create_secret(Name=new_id("affilink/app-secret"), SecretString="before-rotation")
    monkeypatch.delenv("AFFILINK_SECRET")
    monkeypatch.setenv("AFFILINK_SECRET_SECRET_ID", secret["ARN"])
    config.reset()
    now = [1000.0]
    monkeypatch.setattr(config.time, "monotonic", lambda: now[0])
    try:
        assert config.app_secret() == "before-rotation"
        secrets.put_secret_value(SecretId=secret["ARN"], SecretString="after-rotation")
        now[0] += config.SECRET_CACHE_SECONDS - 1
        assert config.app_secret() == "before-rotation"  # one read per five minutes, not one per tap
        now[0] += 2
        assert config.app_secret() == "after-rotation"
    finally:
        monkeypatch.undo()
        config.reset()
