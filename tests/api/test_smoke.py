from tests.helpers import ADMIN, bearer, call, make_brand, make_creator, make_link


def test_brand_creator_link_flow(client, empty_tables):
    brand = make_brand(client)
    creator = make_creator(client)
    link = make_link(client, creator, brand, alias="glow-serum")
    assert link["short_url"] == "https://afl.test/glow-serum"
    listed = call(client, "GET", "/links", headers=bearer(creator["api_key"]))
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json["items"]] == ["glow-serum"]
    me = call(client, "GET", "/me", headers=bearer(brand["api_key"]))
    assert me.json["brand_id"] == brand["brand_id"]
    assert call(client, "GET", "/health").json == {"status": "ok"}
    assert call(client, "GET", "/brands", headers=ADMIN).json["items"][0]["brand_id"] == brand["brand_id"]
