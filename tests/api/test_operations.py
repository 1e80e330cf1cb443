"""Operations (§6): health and the OpenAPI document, open to anyone."""

from __future__ import annotations

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
