"""The CDK app, synthesized once per test run (whichever worker comes first does it, the others
wait for it and read the same templates): the dev stage with defaults, and the prod stage with
every option on (alarm e-mail, custom short domain)."""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import clock  # noqa: F401  (the API tests' frozen clock, for the recorded flows)

ROOT = Path(__file__).resolve().parents[2]
PROD_CONTEXT = {
    "stage": "prod",
    "alarm_email": "ops@glow.example",
    "short_domain": "go.glow.example",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100",
}
STAGES = {"dev": {"stage": "dev"}, "prod": PROD_CONTEXT}

_SYNTH = """
import json, sys
sys.path.insert(0, {root!r})
from infra.deploy import build
for outdir, context in json.loads(sys.argv[1]).items():
    build(context, outdir=outdir).synth()
"""


def synthesis_environment() -> dict[str, str]:
    """Synthesis needs no AWS account: no credentials, no region of the caller's."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("AWS_", "AFFILINK_", "CDK_"))}
    environment.update({
        "AWS_DEFAULT_REGION": "eu-west-3",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    })
    return environment


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> dict[str, Path]:
    """stage -> its cloud assembly directory (cdk.out)."""
    basetemp = tmp_path_factory.getbasetemp()
    # Under xdist each worker has basetemp/<run>/popen-gwN: the run's directory is shared by its workers.
    run_dir = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    outdirs = {stage: run_dir / f"cdk.out-{stage}" for stage in STAGES}
    with open(run_dir / "synth.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = run_dir / "synth.done"
        if not done.exists():
            result = subprocess.run(
                [sys.executable, "-c", _SYNTH.format(root=str(ROOT)),
                 json.dumps({str(outdirs[stage]): context for stage, context in STAGES.items()})],
                cwd=run_dir, env=synthesis_environment(), capture_output=True, text=True, timeout=600,
            )
            if result.returncode != 0:
                pytest.fail(f"CDK synthesis failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
            done.write_text("ok")
    return outdirs


def template_path(outdir: Path) -> Path:
    [path] = outdir.glob("*.template.json")
    return path


@pytest.fixture(scope="session")
def templates(synthesized) -> dict[str, dict[str, Any]]:
    return {stage: json.loads(template_path(outdir).read_text()) for stage, outdir in synthesized.items()}


@pytest.fixture(scope="session")
def dev(templates) -> dict[str, Any]:
    return templates["dev"]


@pytest.fixture(scope="session")
def prod(templates) -> dict[str, Any]:
    return templates["prod"]
