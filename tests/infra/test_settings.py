"""Deployment choices from CDK context: a wrong one stops `cdk synth/deploy` with one clear line."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra.settings import SettingsError, StageSettings
from tests.infra.conftest import PROD_CONTEXT, ROOT, synthesis_environment


def settings(**context):
    return StageSettings.from_context(context.get)


def test_defaults_are_the_dev_stage():
    dev = settings()
    assert (dev.stage, dev.stack_name, dev.table_prefix, dev.prod) == ("dev", "Affilink-dev", "affilink-dev-", False)
    assert dev.short_domain is None and dev.alarm_email is None


def test_prod_with_every_option():
    prod = settings(**PROD_CONTEXT, api_rate_limit="2000")
    assert prod.prod and prod.stack_name == "Affilink-prod" and prod.short_domain == "go.glow.example"
    assert prod.api_rate_limit == 2000


@pytest.mark.parametrize(
    "context, message",
    [
        ({"stage": "qa"}, "stage must be one of dev, prod"),
        ({"alarm_email": "not-an-address"}, "is not an e-mail address"),
        ({"short_domain": "go.glow.example"}, "go together"),
        ({"certificate_arn": PROD_CONTEXT["certificate_arn"]}, "go together"),
        ({"short_domain": "https://go.glow.example/", "certificate_arn": PROD_CONTEXT["certificate_arn"]},
         "is not a domain name"),
        ({"short_domain": "go.glow.example",
          "certificate_arn": "arn:aws:acm:eu-west-3:123456789012:certificate/0f0e0d0c"}, "us-east-1"),
        ({"api_rate_limit": "-5"}, "positive whole number"),
        ({"api_burst_limit": "lots"}, "positive whole number"),
    ],
)
def test_a_wrong_context_value_is_refused_with_its_name(context, message):
    with pytest.raises(SettingsError, match=message):
        settings(**context)


def test_cdk_synth_with_a_wrong_stage_stops_with_one_line_and_writes_nothing(tmp_path):
    environment = {**synthesis_environment(), "CDK_CONTEXT_JSON": json.dumps({"stage": "qa"}),
                   "CDK_OUTDIR": str(tmp_path / "cdk.out")}
    result = subprocess.run([sys.executable, str(ROOT / "infra" / "deploy.py")], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "affilink: -c stage='qa': the stage must be one of dev, prod"
    )
    assert not list(tmp_path.glob("**/*.template.json"))
