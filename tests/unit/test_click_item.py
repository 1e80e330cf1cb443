"""The item the tap writes is the `Click` model's item, built without the model."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage.tap import Click, click_item, click_values
from chalicelib.tap import clicks

AT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("agent, source, referer", [
    ("Mozilla/5.0 (iPhone) Mobile musical_ly_32.5.0 BytedanceWebview/d8a21c6", "tiktok:video:1", "https://www.tiktok.com/"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None, None),
    (None, None, "not a url"),
])
def test_the_click_item_is_what_the_model_would_store(agent, source, referer):
    tap = clicks.Tap(code="serum", creator_id="cr_1", brand_id="br_1", source=source, source_ip="198.51.100.7",
                     user_agent=agent, referer=referer, country_header="fr", via="qr", at=AT)
    record = clicks.build_click("k" * 22, tap)
    model = Click.from_raw_data(record.item)
    assert model.serialize() == record.item
    assert model.click_id == "k" * 22 and model.country == "FR" and model.via == "qr"
    assert model.is_bot is record.is_bot
    assert model.expires_at == AT + timedelta(days=120)
    assert model.source == source and (model.user_agent is None) == (agent is None)


def test_the_codec_reads_back_what_it_wrote_and_what_the_model_stores():
    tap = clicks.Tap(code="serum", creator_id="cr_1", brand_id="br_1", source="tiktok:video:1",
                     source_ip="198.51.100.7", user_agent="curl/8.4.0", referer=None, country_header="fr",
                     via="qr", at=AT)
    record = clicks.build_click("k" * 22, tap)
    decoded = click_values(record.item)
    model = Click.from_raw_data(record.item)
    stored = {name: getattr(model, name) for name in Click.get_attributes()}
    assert decoded == {name: value for name, value in stored.items() if value is not None}
    assert click_values(model.serialize()) == decoded
    assert click_item(decoded) == record.item
    assert click_values({**record.item, "via": {"N": "1"}, "unknown": {"S": "x"}}).get("via") is None
