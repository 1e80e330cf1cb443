"""The visitor hash: keyed, daily, and never the IP."""
from datetime import date

from chalicelib.tap.visitors import visitor_hash

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148"


def test_same_visitor_same_day_gives_the_same_hash():
    assert visitor_hash("203.0.113.7", UA, date(2026, 11, 26)) == visitor_hash("203.0.113.7", UA, date(2026, 11, 26))


def test_the_hash_changes_across_days():
    assert visitor_hash("203.0.113.7", UA, date(2026, 11, 26)) != visitor_hash("203.0.113.7", UA, date(2026, 11, 27))


def test_different_ip_or_user_agent_give_different_hashes():
    day = date(2026, 11, 26)
    assert visitor_hash("203.0.113.7", UA, day) != visitor_hash("203.0.113.8", UA, day)
    assert visitor_hash("203.0.113.7", UA, day) != visitor_hash("203.0.113.7", UA + "x", day)


def test_the_hash_never_contains_the_ip():
    value = visitor_hash("203.0.113.7", UA, date(2026, 11, 26))
    assert "203.0.113.7" not in value
    assert len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def test_the_hash_is_keyed_by_the_app_secret(monkeypatch):
    from chalicelib.base import config

    day = date(2026, 11, 26)
    before = visitor_hash("203.0.113.7", UA, day)
    monkeypatch.setenv("AFFILINK_SECRET", "another-secret")
    config.reset()
    try:
        assert visitor_hash("203.0.113.7", UA, day) != before
    finally:
        monkeypatch.undo()
        config.reset()
