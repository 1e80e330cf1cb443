"""Limits checked before anything else: body size, then path parameter length."""
import json

from tests.helpers import ADMIN, Stored, bearer, call, make_creator, new_handle


def test_an_oversized_body_is_413_whatever_its_content_type(client):
    stored = Stored()
    big = b"x" * 65_537
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/json"):
        response = client.http.post("/brands", headers={**ADMIN, "Content-Type": content_type}, body=big)
        assert response.status_code == 413, content_type
    assert stored.changes() == {}


def test_an_oversized_body_on_a_webhook_is_413_before_the_signature_is_read(client):
    response = client.http.post(
        "/webhooks/br_x/conversions", headers={"Content-Type": "application/json"}, body=b"{" + b" " * 65_536
    )
    assert response.status_code == 413


def test_a_body_of_exactly_65536_bytes_is_read(client):
    body = json.dumps({"handle": new_handle("ok.handle")}).encode()
    body = body[:-1] + b" " * (65_536 - len(body)) + b"}"
    assert len(body) == 65_536
    response = client.http.post("/creators", headers={**ADMIN, "Content-Type": "application/json"}, body=body)
    assert response.status_code == 201


def test_ids_far_longer_than_any_real_one_are_404_without_a_lookup(client):
    creator = make_creator(client)
    long_id = "x" * 3000
    assert call(client, "GET", f"/brands/{long_id}", headers=ADMIN).status_code == 404
    assert call(client, "GET", f"/creators/{long_id}", headers=ADMIN).status_code == 404
    assert call(client, "GET", f"/links/{long_id}", headers=bearer(creator["api_key"])).status_code == 404
    assert call(client, "GET", f"/{long_id}").status_code == 404


def test_a_get_is_never_refused_for_its_content_type(client):
    creator = make_creator(client)
    for path, headers in (("/health", {}), ("/links", bearer(creator["api_key"]))):
        response = client.http.get(path, headers={**headers, "Content-Type": "text/plain"})
        assert response.status_code == 200, path
    assert client.http.request("HEAD", "/nope", headers={"Content-Type": "text/plain"}).status_code == 404


def test_a_body_that_repeats_a_field_is_400_and_writes_nothing(client):
    stored = Stored()
    response = client.http.post(
        "/creators", headers={**ADMIN, "Content-Type": "application/json"},
        body=b'{"handle": "first.one", "handle": "second.one"}',
    )
    assert response.status_code == 400
    assert "handle" in json.loads(response.body)["Message"]
    assert stored.changes() == {}
