"""The CDK app (named so it cannot be mistaken for Chalice's `app` module): `cdk synth`,
`cdk deploy -c stage=prod` from `infra/` run this file (`infra/cdk.json`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402

from infra.settings import SettingsError, StageSettings  # noqa: E402
from infra.stack import AffilinkStack  # noqa: E402


def build(context: dict | None = None, outdir: str | None = None) -> cdk.App:
    """The CDK app with its one stack; `context` as `-c name=value` would give it."""
    # Chalice's packager builds botocore clients, which want a region, though the template
    # names none (every ARN is a token): the region of `cdk deploy` if known, else any.
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        os.environ["AWS_DEFAULT_REGION"] = os.environ.get("CDK_DEFAULT_REGION") or "us-east-1"
    app = cdk.App(context=context or {}, outdir=outdir)
    settings = StageSettings.from_context(app.node.try_get_context)
    AffilinkStack(app, settings.stack_name, settings=settings)
    return app


def main() -> None:
    try:
        app = build()
    except SettingsError as error:
        sys.exit(f"affilink: {error}")
    app.synth()


if __name__ == "__main__":
    main()
