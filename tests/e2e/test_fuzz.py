"""Fuzzing every operation of `openapi.yaml` against `make run`'s own server (schemathesis),
with each role's key on the operations that role may call: no 5xx, and every answer a
status and a body the document describes. Bounded here; `make fuzz` runs it longer
(AFFILINK_FUZZ_EXAMPLES)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.test_access import ADMIN, BRAND, CREATOR, EXPECTED_ACCESS, PUBLIC, SIGNED
from tests.e2e.local_api import running_local_api

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("AFFILINK_FUZZ_EXAMPLES", "4"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture(scope="module")
def fuzz_server():
    with running_local_api() as api:
        yield {"base": api["base"],
               "keys": {ADMIN: api["admin_key"], BRAND: api["brand_key"], CREATOR: api["creator_key"]}}


SCHEMA = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


ACCESS = {(method, _shape(path)): rule for (method, path), rule in EXPECTED_ACCESS.items()}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_every_operation_answers_as_documented_for_every_role_that_may_call_it(operation, fuzz_server):
    rule = ACCESS[(operation.method.upper(), _shape(operation.path))]
    roles = [None] if rule in (PUBLIC, SIGNED) else sorted(rule)

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def answers_as_documented(case):
        for role in roles:
            headers = {"Authorization": f"Bearer {fuzz_server['keys'][role]}"} if role else {}
            response = case.call(base_url=fuzz_server["base"], headers=headers, timeout=30)
            case.validate_response(response, checks=CHECKS)

    answers_as_documented()
