"""Where a tap lands: the Location rules of the contract (§3)."""
from chalicelib.tap.redirect import build_location


def test_click_id_is_appended_last_and_fragment_kept():
    location = build_location("https://shop.example.com/p/1?color=red#reviews", {}, "CLICK123")
    assert location == "https://shop.example.com/p/1?color=red&afl_click=CLICK123#reviews"


def test_destination_query_is_kept_as_written_not_re_encoded():
    destination = "https://shop.example.com/p?q=a+b&path=%2Fx&flag&empty="
    assert build_location(destination, {}, "C1") == destination + "&afl_click=C1"


def test_short_link_parameter_replaces_same_named_one_in_place():
    location = build_location(
        "https://shop.example.com/p?utm_source=caption&size=m", {"utm_source": ["live"], "ref": ["x y"]}, "C1"
    )
    assert location == "https://shop.example.com/p?utm_source=live&size=m&ref=x%20y&afl_click=C1"


def test_new_parameters_are_appended_before_the_click_id():
    location = build_location("https://shop.example.com/p", {"a": ["1", "2"]}, "C1")
    assert location == "https://shop.example.com/p?a=1&a=2&afl_click=C1"


def test_qr_is_consumed():
    location = build_location("https://shop.example.com/p", {"qr": ["1"]}, "C1")
    assert location == "https://shop.example.com/p?afl_click=C1"


def test_forged_click_ids_on_either_side_are_dropped():
    location = build_location(
        "https://shop.example.com/p?afl_click=FORGED&x=1", {"afl_click": ["EVIL"]}, "REAL"
    )
    assert location == "https://shop.example.com/p?x=1&afl_click=REAL"


def test_without_click_id_head_location_has_no_afl_click():
    assert build_location("https://shop.example.com/p?x=1#f", {"y": ["2"]}, None) == (
        "https://shop.example.com/p?x=1&y=2#f"
    )


def test_empty_query_and_fragment_written_by_the_brand_are_kept():
    assert build_location("https://shop.example.com/p?#", {}, None) == "https://shop.example.com/p?#"


def test_the_link_cache_is_bounded_and_forgets_after_its_time():
    from chalicelib.tap.redirect import TTLCache

    now = [100.0]
    cache = TTLCache(max_entries=2, clock=lambda: now[0])
    cache.put("a", "A", ttl=60)
    cache.put("b", "B", ttl=60)
    cache.put("c", "C", ttl=5)
    assert cache.get("a") is None  # the oldest went to make room
    assert cache.get("b")[1] == "B" and cache.get("c")[1] == "C"
    now[0] += 6
    assert cache.get("c") is None and cache.get("b")[1] == "B"
    now[0] += 60
    assert cache.get("b") is None
