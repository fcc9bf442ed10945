"""The canonical encoding and the hash chain, with no database: encoding, linking,
verification faults and periodic checkpoint positions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aicmo_audit.domain import chain
from aicmo_audit.domain.model import GENESIS_HASH, ChainFault, Entry, Event

T0 = dt.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _event(index: int = 0, **changes) -> Event:
    event = Event(id=f"123e4567-e89b-12d3-a456-{index:012d}", occurred_at=T0,
                  service="venture", entity_type="campaign", entity_id=f"c-{index}",
                  action="campaign.started", actor="operator:ops@example.com",
                  venture_id="v-1", request_id="req-1", context={"index": index})
    return dataclasses.replace(event, **changes)


def _chain(count: int) -> list[Entry]:
    entries: list[Entry] = []
    head, head_hash = 0, GENESIS_HASH
    for index in range(count):
        entry = chain.next_entry(head, head_hash, _event(index), T0)
        entries.append(entry)
        head, head_hash = entry.sequence, entry.hash
    return entries


def test_known_answer_pins_the_canonical_encoding():
    event = _event(context={"reason": "manual", "limit": 100.0, "ratio": 0.5,
                            "tags": ["a", "ü"]})
    event = dataclasses.replace(event, id="123e4567-e89b-12d3-a456-426614174000",
                                entity_id="c-1", context=chain.canonical_value(event.context))
    recorded = dt.datetime(2025, 1, 2, 3, 4, 6, tzinfo=dt.UTC)
    document = chain.canonical_json(chain.entry_document(1, recorded, event, GENESIS_HASH))
    assert document == (
        '{"action":"campaign.started","actor":"operator:ops@example.com",'
        '"context":{"limit":100,"ratio":0.5,"reason":"manual","tags":["a","ü"]},'
        '"entity_id":"c-1","entity_type":"campaign",'
        '"event_id":"123e4567-e89b-12d3-a456-426614174000",'
        '"occurred_at":"2025-01-02T03:04:05.678901Z","previous_hash":"' + "0" * 64 + '",'
        '"recorded_at":"2025-01-02T03:04:06.000000Z","request_id":"req-1","sequence":1,'
        '"service":"venture","v":1,"venture_id":"v-1"}')
    expected = hashlib.sha256(document.encode("utf-8")).hexdigest()
    assert chain.compute_hash(1, recorded, event, GENESIS_HASH) == expected
    assert expected == "823e6d33546b6d9e706491fd21bf488003fa6b9013de4bdbb9a6fc1b583766bb"


def test_whole_numbers_encode_alike_whether_int_or_double():
    assert chain.canonical_value({"n": 3.0, "m": [2.0, 2.5], "k": {"x": -0.0}}) == \
        {"n": 3, "m": [2, 2.5], "k": {"x": 0}}
    assert chain.canonical_json(chain.canonical_value({"b": 1.0, "a": True})) == \
        '{"a":true,"b":1}'
    # Beyond 2**53 a double is not an exact integer, so it stays a float.
    assert isinstance(chain.canonical_value(2.0**60), float)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        chain.canonical_value({"x": [bad]})


def test_times_encode_in_utc_to_the_microsecond():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2025, 6, 1, 14, 0, 0, 5, tzinfo=plus_two)
    assert chain.format_time(moment) == "2025-06-01T12:00:00.000005Z"
    assert chain.format_time(moment.astimezone(dt.UTC).replace(tzinfo=None)) == \
        "2025-06-01T12:00:00.000005Z"


@pytest.mark.parametrize("field,value", [
    ("id", "123e4567-e89b-12d3-a456-999999999999"), ("service", "leads"),
    ("entity_type", "lead"), ("entity_id", "c-x"), ("action", "campaign.paused"),
    ("actor", "admin:root"), ("venture_id", "v-2"), ("request_id", "req-2"),
    ("context", {"index": 1}), ("occurred_at", T0 + dt.timedelta(microseconds=1)),
])
def test_every_event_field_changes_the_hash(field, value):
    base = chain.compute_hash(5, T0, _event(), "a" * 64)
    assert chain.compute_hash(5, T0, _event(**{field: value}), "a" * 64) != base


def test_sequence_time_and_previous_hash_change_the_hash():
    base = chain.compute_hash(5, T0, _event(), "a" * 64)
    assert chain.compute_hash(6, T0, _event(), "a" * 64) != base
    assert chain.compute_hash(5, T0 + dt.timedelta(seconds=1), _event(), "a" * 64) != base
    assert chain.compute_hash(5, T0, _event(), "b" * 64) != base


def test_entries_link_to_the_one_before():
    entries = _chain(3)
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == GENESIS_HASH
    assert entries[1].previous_hash == entries[0].hash
    assert entries[2].previous_hash == entries[1].hash


def test_a_valid_chain_verifies_in_chunks_with_its_checkpoints():
    entries = _chain(10)
    verifier = chain.ChainVerifier(1, GENESIS_HASH, {4: entries[3].hash, 10: entries[9].hash})
    assert verifier.feed(entries[:3]) and verifier.feed(entries[3:7]) and verifier.feed(entries[7:])
    assert verifier.finish(None, 10) is None
    assert (verifier.entries_checked, verifier.checkpoints_checked) == (10, 2)
    assert verifier.head_hash == entries[-1].hash and verifier.last_sequence == 10


def test_a_range_in_the_middle_starts_from_the_previous_entry_hash():
    entries = _chain(6)
    verifier = chain.ChainVerifier(3, entries[1].hash)
    assert verifier.feed(entries[2:5])
    assert verifier.finish(5, 6) is None
    wrong_start = chain.ChainVerifier(3, GENESIS_HASH)
    wrong_start.feed(entries[2:5])
    assert (wrong_start.fault.sequence, wrong_start.fault.kind) == (3, ChainFault.LINK_BROKEN)


def test_an_edited_entry_is_reported_at_its_sequence():
    entries = _chain(5)
    edited = dataclasses.replace(entries[2], event=_event(2, actor="admin:mallory"))
    verifier = chain.ChainVerifier(1, GENESIS_HASH)
    assert not verifier.feed([*entries[:2], edited, *entries[3:]])
    assert (verifier.fault.sequence, verifier.fault.kind) == (3, ChainFault.CONTENT_ALTERED)
    assert verifier.entries_checked == 2
    # Once faulted, feeding more changes nothing.
    assert not verifier.feed(entries)
    assert verifier.fault.sequence == 3


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link():
    entries = _chain(5)
    forged = chain.next_entry(2, entries[1].hash, _event(2, actor="admin:mallory"), T0)
    verifier = chain.ChainVerifier(1, GENESIS_HASH)
    verifier.feed([*entries[:2], forged, *entries[3:]])
    assert (verifier.fault.sequence, verifier.fault.kind) == (4, ChainFault.LINK_BROKEN)


def test_a_missing_entry_is_reported_at_the_gap():
    entries = _chain(5)
    verifier = chain.ChainVerifier(1, GENESIS_HASH)
    verifier.feed([*entries[:2], *entries[3:]])
    assert (verifier.fault.sequence, verifier.fault.kind) == (3, ChainFault.ENTRY_MISSING)


def test_a_whole_rewritten_tail_is_caught_by_a_checkpoint():
    entries = _chain(5)
    forged: list[Entry] = entries[:2]
    for index in range(2, 5):
        forged.append(chain.next_entry(forged[-1].sequence, forged[-1].hash,
                                       _event(index, action="campaign.stopped"), T0))
    verifier = chain.ChainVerifier(1, GENESIS_HASH, {4: entries[3].hash})
    verifier.feed(forged)
    assert (verifier.fault.sequence, verifier.fault.kind) == (4, ChainFault.CHECKPOINT_MISMATCH)


def test_a_range_ending_after_the_log_reports_the_first_missing_entry():
    entries = _chain(3)
    verifier = chain.ChainVerifier(1, GENESIS_HASH)
    verifier.feed(entries)
    fault = verifier.finish(7, 3)
    assert (fault.sequence, fault.kind) == (4, ChainFault.ENTRY_MISSING)


def test_tail_fault_names_the_first_cut_entry():
    fault = chain.tail_fault(1000, "c" * 64, 940)
    assert (fault.sequence, fault.kind) == (941, ChainFault.TAIL_MISSING)
    assert "1000" in fault.detail


@pytest.mark.parametrize("old,new,every,expected", [
    (0, 10, 3, [3, 6, 9]), (3, 5, 3, []), (5, 6, 3, [6]), (0, 2, 3, []), (0, 100, 0, []),
    (999, 1000, 1000, [1000]),
])
def test_periodic_checkpoints_fall_on_multiples(old, new, every, expected):
    assert list(chain.checkpoint_sequences(old, new, every)) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4))
def test_canonical_form_is_stable_through_a_json_round_trip(context):
    import json

    canonical = chain.canonical_value(context)
    text = chain.canonical_json(canonical)
    assert chain.canonical_json(chain.canonical_value(json.loads(text))) == text
