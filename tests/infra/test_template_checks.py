"""cfn-lint and checkov on the synthesized templates: zero findings, every skip with its reason."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ROOT, STAGES, template_path

CHECKOV = Path(os.environ.get("AFFILINK_CHECKOV", ROOT / ".venv" / "checkov" / "bin" / "checkov"))


@pytest.mark.parametrize("stage", list(STAGES))
def test_cfn_lint_finds_nothing(synthesized, stage):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable",
         str(template_path(synthesized[stage]))],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("stage", list(STAGES))
def test_checkov_finds_nothing_and_every_skip_says_why(synthesized, templates, stage):
    assert CHECKOV.exists(), f"checkov is installed by `make test` in {CHECKOV.parent.parent} (its own venv)"
    result = subprocess.run(
        [str(CHECKOV), "--file", str(template_path(synthesized[stage])), "--framework", "cloudformation",
         "--output", "json", "--quiet", "--skip-download"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [(check["check_id"], check["resource"]) for check in report["results"]["failed_checks"]]
    assert failed == [] and summary["failed"] == 0
    assert summary["passed"] > 100  # the templates were really read
    assert summary["skipped"] > 0  # the skips written in the template were read
    for resource in templates[stage]["Resources"].values():
        for skip in (resource.get("Metadata") or {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, skip  # a reason, not a shrug
