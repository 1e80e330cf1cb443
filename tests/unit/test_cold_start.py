"""What every Lambda cold start pays: `import app` must work with the
placeholder settings CDK synthesis uses, and load nothing heavy."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "pydantic", "aws_xray_sdk", "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parser", "segno", "yaml", "idna", "publicsuffixlist", "iso4217",
    "crawleruseragents", "moto", "requests",
    # Powertools loads with the first log line or metric; a redirect writes neither
    "aws_lambda_powertools",
    # the back office's own modules: the close, statements and shop integrations load with their routes
    "chalicelib.money.close", "chalicelib.money.statements", "chalicelib.web.closing",
    "chalicelib.integrations.deliveries", "chalicelib.integrations.shopify", "chalicelib.integrations.stripe_checkout",
)
PROBE = f"""
import gc, json, sys
import app
print(json.dumps({{"routes": len(app.app.routes), "heavy": [m for m in {HEAVY!r} if m in sys.modules],
                  "collecting": gc.isenabled(), "set_aside": gc.get_freeze_count()}}))
"""


def _import_app(env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_app_imports_with_cdk_placeholder_settings_and_nothing_heavy():
    # Given the unresolved tokens CDK passes as environment values at synthesis
    env = {"PATH": os.environ.get("PATH", ""), "AFFILINK_TABLE_PREFIX": "${Token[TOKEN.1]}",
           "AWS_REGION": "${Token[TOKEN.2]}", "AFFILINK_CLICK_RETENTION_DAYS": "${Token[TOKEN.3]}",
           "AFFILINK_ADMIN_KEY_PARAMETER": "${Token[TOKEN.4]}", "PUBLIC_BASE_URL": "${Token[TOKEN.5]}"}
    # When app.py is imported
    probe = _import_app(env)
    # Then it loads, with its routes, and without any heavy module
    assert probe["routes"] > 10
    assert probe["heavy"] == []
    # And garbage collection, paused while it loaded, runs again, what it loaded set aside from it
    assert probe["collecting"] is True and probe["set_aside"] > 10_000


def test_an_entry_module_whose_import_failed_does_not_leave_garbage_collection_off():
    # Given an entry module that paused collection and then failed to import (it is no longer in
    # sys.modules), when app.py is imported afterwards, then collection runs again.
    script = (
        "import gc, sys\n"
        "from chalicelib.base import startup\n"
        "startup.imports_begin('an_entry_module_that_failed')\n"
        "assert not gc.isenabled()\n"
        "import app\n"
        "assert gc.isenabled(), 'garbage collection left off'\n"
        "gc.disable()\n"  # a host that keeps it off on purpose keeps it off
        "startup.imports_begin('another'); startup.imports_done('another')\n"
        "assert not gc.isenabled()\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "AFFILINK_ADMIN_KEY": "x", "AFFILINK_SECRET": "x"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


# What the route modules (chalicelib/web/routes/) import inside their routes, never at their top: the
# dashboard's pages (Jinja2, Babel), the stats reads, the QR codes, the shop integrations' secrets, the
# OpenAPI document and the aggregator.
LOADED_BY_THEIR_ROUTES = (
    "jinja2", "babel", "chalicelib.web.dashboard", "chalicelib.stats", "chalicelib.links.qr_codes",
    "chalicelib.integrations", "chalicelib.web.openapi",
)


def test_the_route_blueprints_load_their_back_office_modules_only_with_their_routes():
    probe = (
        "import json, sys\n"
        "import app\n"
        "blueprints = sorted(m for m in sys.modules if m.startswith('chalicelib.web.routes.'))\n"
        f"print(json.dumps({{'blueprints': blueprints, 'loaded': [m for m in {LOADED_BY_THEIR_ROUTES!r} "
        "if m in sys.modules]}))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "AFFILINK_ADMIN_KEY": "x", "AFFILINK_SECRET": "x"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    # Every blueprint is registered by app.py, and none of them loads what only its routes use
    assert len(found["blueprints"]) >= 8
    assert found["loaded"] == []
