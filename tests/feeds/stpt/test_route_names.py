"""Feature: cleaning of messy STPT route_short_names (white space, case, duplicates)."""

from __future__ import annotations

from feeds.stpt.network import clean_route_names


def test_trailing_space_is_stripped_and_reported() -> None:
    clean, changes = clean_route_names([("238", "M37 "), ("1", "1")])
    assert clean == {"238": "M37", "1": "1"}
    assert [(c.route_id, c.raw, c.clean) for c in changes] == [("238", "M37 ", "M37")]
    assert "white space" in changes[0].message()


def test_duplicates_get_numbered_suffixes_in_route_id_order() -> None:
    # Route ids are compared as numbers: 133 < 199 < 200 < 1000, not as text.
    clean, changes = clean_route_names(
        [("200", "M22"), ("1000", "M22"), ("133", "M22"), ("199", "M22"), ("5", "E4")]
    )
    assert clean == {"133": "M22", "199": "M22/2", "200": "M22/3", "1000": "M22/4", "5": "E4"}
    assert sorted(c.route_id for c in changes) == ["1000", "199", "200"]
    assert all("duplicate of route 133 (4 routes)" in c.reason for c in changes)


def test_stripped_name_that_collides_is_then_disambiguated() -> None:
    clean, changes = clean_route_names([("103", "M37"), ("238", "M37 ")])
    assert clean == {"103": "M37", "238": "M37/2"}
    assert [c.reason.split(" (")[0] for c in changes] == [
        "surrounding white space", "duplicate of route 103"]


def test_case_only_duplicates_are_upper_cased_and_distinct_lines_keep_their_case() -> None:
    clean, changes = clean_route_names([("1", "e4b"), ("2", "E4B"), ("3", "6a"), ("4", "6b")])
    # e4b/E4B are the same line written two ways -> one spelling, then disambiguated.
    assert clean == {"1": "E4B", "2": "E4B/2", "3": "6a", "4": "6b"}
    assert changes[0].reason == "case-only duplicate"


def test_clean_names_are_unique() -> None:
    raw = [("1", "33b"), ("2", "33b"), ("3", "33B"), ("4", " 33b"), ("5", "33")]
    clean, _ = clean_route_names(raw)
    assert len(set(clean.values())) == len(raw)
