"""Unsubscribe tokens: round trip, tampering, wrong key, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aicmo_common import unsubscribe

SECRET = "unsubscribe-secret-" + "k" * 32


def test_round_trip_names_lead_and_campaign():
    token = unsubscribe.sign("lead-1", "camp-9", SECRET, issued_at=1_700_000_000.25)
    assert unsubscribe.verify(token, SECRET) == unsubscribe.UnsubscribeTarget(
        "lead-1", "camp-9", 1_700_000_000_250)


def test_token_is_url_safe():
    token = unsubscribe.sign("lead/with?odd&chars", "c", SECRET)
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_another_key_is_refused():
    token = unsubscribe.sign("lead-1", "camp-9", SECRET)
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(token, "another-secret-" + "z" * 32)


def test_swapping_the_payload_of_another_token_is_refused():
    first = unsubscribe.sign("lead-1", "camp-9", SECRET)
    second = unsubscribe.sign("lead-2", "camp-9", SECRET)
    forged = first.split(".")[0] + "." + second.split(".")[1]
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(forged, SECRET)


@given(position=st.integers(min_value=0, max_value=10_000), replacement=st.sampled_from("AZaz09-_"))
def test_any_single_character_change_is_refused(position, replacement):
    token = unsubscribe.sign("lead-1", "camp-9", SECRET)
    index = position % len(token)
    if token[index] == replacement or token[index] == ".":
        return
    tampered = token[:index] + replacement + token[index + 1:]
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(tampered, SECRET)


@pytest.mark.parametrize("token", ["", "nodot", "a.b.c", "x" * 2000, "....", "é.é"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(token, SECRET)


def test_a_bearer_token_secret_is_not_used_raw():
    # The HMAC key is derived with a purpose label; a plain HMAC with the secret must not match.
    import base64
    import hashlib
    import hmac

    payload = unsubscribe.sign("lead-1", "", SECRET).split(".")[0]
    raw = base64.urlsafe_b64encode(hmac.new(SECRET.encode(), payload.encode(),
                                            hashlib.sha256).digest()).rstrip(b"=").decode()
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(f"{payload}.{raw}", SECRET)


def test_signer_links_verify_at_the_edge():
    signer = unsubscribe.UnsubscribeSigner(SECRET, "https://edge.example/",
                                           clock=lambda: 1_800_000_000.0)
    token = signer.token("lead-1", "camp-1")
    assert unsubscribe.verify(token, SECRET) == unsubscribe.UnsubscribeTarget(
        "lead-1", "camp-1", 1_800_000_000_000)
    assert signer.url("lead-1", "camp-1") == f"https://edge.example/u/{token}"
