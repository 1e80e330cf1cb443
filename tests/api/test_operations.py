"""Operations (§6): health and the OpenAPI document, open to anyone."""

from __future__ import annotations

import json
import logging
import re

from tests.helpers import call


def test_health_answers_ok_without_a_key(client):
    # When
    response = call(client, "GET", "/health")

    # Then
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_the_openapi_document_is_served_without_a_key(client):
    # When
    response = call(client, "GET", "/openapi.json")

    # Then
    assert response.status_code == 200
    assert isinstance(response.json, dict)
    assert "openapi" in response.json


def test_the_openapi_document_describes_every_route_and_method_the_app_serves(client):
    # Given the document the API serves
    document = client.http.get("/openapi.json")
    paths = json.loads(document.body)["paths"]
    # Then every route of the app, with each of its methods, is in it, and nothing more
    from app import app

    # The dashboard's HTML pages (/app) are not part of the JSON API: docs/dashboard.md lists them
    # (test_the_dashboard_s_pages_are_all_listed_in_its_doc).
    served = {(path, method.lower()) for path, entries in app.routes.items() for method in entries
              if not path.startswith("/app")}
    documented = {
        (path, method) for path, operations in paths.items() for method in operations if method != "parameters"
    }
    assert served == documented


def test_the_dashboard_s_pages_are_all_listed_in_its_doc():
    from pathlib import Path

    from app import app

    doc = (Path(__file__).resolve().parents[2] / "docs" / "dashboard.md").read_text()
    listed = set(re.findall(r"^\| `(GET|POST) (/app[^`]*)` \|", doc, re.M))
    served = {(method, path) for path, entries in app.routes.items() for method in entries
              if path.startswith("/app")}
    assert served == listed


def test_a_request_writes_one_json_log_line_naming_its_route_status_and_request(client, capsys):
    capsys.readouterr()
    assert client.http.get("/health").status_code == 200
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    # One line, Powertools' JSON (Chalice's own plain-text handler would print it a second time)
    assert len(lines) == 1, lines
    logged = json.loads(lines[0])
    assert (logged["message"], logged["route"], logged["status"], logged["service"]) == ("request", "/health", 200,
                                                                                         "affilink")
    assert logged["request_id"] and logged["location"].startswith("observe_request:")
    # (Outside pytest's capture Chalice's handler wrote to the real stdout: it must not exist.)
    from chalice import Chalice

    service_log = logging.getLogger("affilink")
    assert [h for h in service_log.handlers if getattr(h.formatter, "_fmt", None) == Chalice.FORMAT_STRING] == []
