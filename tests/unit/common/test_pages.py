"""The one page rule of every List call: sizes (AIP-158) and filter-bound tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_common import pages
from aicmo_common.errors import FieldErrors, InvalidArgument


@pytest.mark.parametrize(("asked", "used"), [(0, 50), (1, 1), (500, 500), (501, 500),
                                              (10_000, 500)])
def test_a_page_size_is_the_default_for_zero_and_cut_to_the_maximum(asked, used):
    assert pages.page_size(asked) == used


def test_a_negative_page_size_names_its_field_at_once_or_in_the_collected_answer():
    with pytest.raises(InvalidArgument) as refused:
        pages.page_size(-1, "page_size")
    assert [v.field for v in refused.value.violations] == ["page_size"]
    errors = FieldErrors()
    assert pages.page_size(-3, errors=errors) == pages.DEFAULT_PAGE_SIZE
    errors.add("campaign_id", "is required")
    with pytest.raises(InvalidArgument) as both:
        errors.raise_if_any()
    assert [v.field for v in both.value.violations] == ["page_size", "campaign_id"]


def test_a_token_carries_its_position_and_only_under_the_filters_it_was_issued_for():
    filters = {"campaign": "c1", "since": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)}
    token = pages.encode(["2026-01-02T00:00:00+00:00", "id-7"], filters)
    assert pages.decode(token, dict(filters)) == ["2026-01-02T00:00:00+00:00", "id-7"]
    assert pages.decode("", filters) is None
    with pytest.raises(InvalidArgument, match="different filters"):
        pages.decode(token, {**filters, "campaign": "c2"})
    for garbage in ("not a token", "e30", token[:-3] + "!!!"):
        with pytest.raises(InvalidArgument, match="not a token"):
            pages.decode(garbage, filters)


def test_pages_by_sequence_walk_every_row_once():
    rows = [(seq, f"item{seq}") for seq in range(1, 8)]

    def after(position: int, limit: int):
        return [row for row in rows if row[0] > position][:limit]

    seen, token = [], ""
    while True:
        items, token = pages.by_sequence(after, token, 3, {"q": "x"})
        seen.extend(items)
        if not token:
            break
    assert seen == [item for _, item in rows]
    with pytest.raises(InvalidArgument):
        pages.by_sequence(after, pages.encode("seven", {"q": "x"}), 3, {"q": "x"})
    with pytest.raises(InvalidArgument):
        pages.by_sequence(after, pages.encode(-1, {"q": "x"}), 3, {"q": "x"})


def test_page_of_cuts_at_the_size_and_tokens_the_last_row():
    rows = list(range(6))
    page, token = pages.page_of(rows, 5, lambda last: last, {"f": 1})
    assert page == [0, 1, 2, 3, 4] and pages.decode(token, {"f": 1}) == 4
    assert pages.page_of(rows[:5], 5, lambda last: last, {"f": 1}) == ([0, 1, 2, 3, 4], "")


def test_a_time_keyset_token_round_trips_and_refuses_other_shapes():
    moment = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
    token = pages.moment_token(moment, "id-3", {"f": 1})
    assert pages.moment_position(token, {"f": 1}) == (moment, "id-3")
    assert pages.moment_position("", {"f": 1}) is None
    for shape in (7, ["not a time", "x"], ["2026-12-04T20:00:00+00:00"], "ab"):
        with pytest.raises(InvalidArgument, match="not a token"):
            pages.moment_position(pages.encode(shape, {"f": 1}), {"f": 1})
