"""Rails-style form fields and JSON read into one shape, and fields read with their types."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from statuspage.api.bodies import Fields, MalformedBody, parse_brackets
from statuspage.core.errors import InvalidInput


def test_bracket_names_nest_and_trailing_brackets_make_lists():
    pairs = [
        ("incident[name]", ["Down"]),
        ("incident[component_ids][]", ["a1", "b2"]),
        ("incident[components][a1]", ["major_outage"]),
        ("incident[components][b2]", ["degraded_performance"]),
        ("description", ["plain"]),
    ]
    assert parse_brackets(pairs) == {
        "incident": {
            "name": "Down",
            "component_ids": ["a1", "b2"],
            "components": {"a1": "major_outage", "b2": "degraded_performance"},
        },
        "description": "plain",
    }


def test_a_repeated_scalar_keeps_its_last_value_as_rails_does():
    assert parse_brackets([("a[b]", ["1", "2"])]) == {"a": {"b": "2"}}


@pytest.mark.parametrize(
    "pairs",
    [
        [("a", ["1"]), ("a[b]", ["2"])],
        [("a[b]", ["2"]), ("a", ["1"])],
        [("a[]", ["1"]), ("a[b]", ["2"])],
        [("a[b", ["1"])],
        [("a[][b]", ["1"])],
        [("[b]", ["1"])],
    ],
)
def test_names_that_cannot_nest_are_malformed(pairs):
    with pytest.raises(MalformedBody):
        parse_brackets(pairs)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), ("t", True), ("f", False),
     ("1", True), ("0", False), (1, True), (0, False), (None, None)],
)  # fmt: skip
def test_flags_read_json_booleans_and_form_words(raw, expected):
    assert Fields({"x": {"flag": raw}}, "x").flag("flag") is expected


@pytest.mark.parametrize("raw", ["yes please", 2, 1.0, [], {}])
def test_anything_else_is_not_a_flag(raw):
    with pytest.raises(InvalidInput, match=r"x\[flag\] must be true or false"):
        Fields({"x": {"flag": raw}}, "x").flag("flag")


def test_times_need_a_zone_and_are_kept_in_utc():
    fields = Fields(
        {
            "x": {
                "at": "2030-05-07T03:00:00.007+02:00",
                "day": "2030-05-07",
                "naive": "2030-05-07T03:00",
            }
        },
        "x",
    )
    assert fields.moment("at") == datetime(2030, 5, 7, 1, 0, 0, 7000, tzinfo=UTC)
    assert fields.moment("day") == datetime(2030, 5, 7, tzinfo=UTC)
    assert fields.day("day") == date(2030, 5, 7)
    with pytest.raises(InvalidInput, match="time zone"):
        fields.moment("naive")


def test_one_id_alone_is_a_list_of_one_and_duplicates_fold():
    fields = Fields({"x": {"one": "a1", "many": ["a1", "b2", "a1", ""]}}, "x")
    assert fields.ids("one") == ["a1"]
    assert fields.ids("many") == ["a1", "b2"]
