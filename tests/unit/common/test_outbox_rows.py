"""The audit row of an event: what JSON would store, whichever way it gets there."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid

import pytest

from aicmo_common.outbox import plain_json


@pytest.mark.parametrize("context", [
    {"send_id": "s1", "count": 3, "ratio": 0.25, "ok": True, "none": None},
    {"reasons": ("LEAD_DNC", "LEAD_SUPPRESSED"), "ids": ["a", "b"]},
    {"when": dt.datetime(2026, 12, 4, tzinfo=dt.UTC), "id": uuid.UUID(int=7)},
    {"nested": {"a": [1, {"b": 2}]}, "mixed": [1, dt.date(2026, 1, 1)]},
    {1: "a number as a key"},
    {},
])
def test_plain_json_is_what_a_json_round_trip_stores(context):
    assert plain_json(context) == json.loads(json.dumps(dict(context), default=str))


def test_plain_json_keeps_a_float_that_json_spells_specially():
    assert math.isnan(plain_json({"x": float("nan")})["x"])
