"""Operations (§6): health and the OpenAPI document, open to anyone."""

from __future__ import annotations

import json

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

    served = {(path, method.lower()) for path, entries in app.routes.items() for method in entries}
    documented = {
        (path, method) for path, operations in paths.items() for method in operations if method != "parameters"
    }
    assert served == documented
