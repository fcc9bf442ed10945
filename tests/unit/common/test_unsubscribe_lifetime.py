"""Unsubscribe tokens carry their issue time; the venture's policy expires or revokes the page,
while the one-click POST works for 60 days after issue whatever the policy; v1 tokens still
verify and are treated as issued at time 0 (their one-click POST always works)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from aicmo_common import unsubscribe

SECRET = "unsubscribe-secret-" + "k" * 32
DAY = 86_400.0
ISSUED = 1_800_000_000.0


def _v1_token(lead_id: str, campaign_id: str) -> str:
    """A token exactly as version 1 signed it (no issue time)."""
    key = hmac.new(SECRET.encode(), b"aicmo unsubscribe token v1", hashlib.sha256).digest()
    body = json.dumps({"v": 1, "l": lead_id, "c": campaign_id}, separators=(",", ":"),
                      sort_keys=True).encode()
    payload = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256)
                                         .digest()).rstrip(b"=").decode()
    return f"{payload}.{signature}"


def _refusal(target, *, ttl_days=0, revoked_before=None, age_days=0.0, one_click=False):
    return unsubscribe.refusal(target, ttl_days=ttl_days, revoked_before=revoked_before,
                               now=ISSUED + age_days * DAY, one_click=one_click)


@pytest.fixture
def target():
    return unsubscribe.verify(unsubscribe.sign("lead-1", "c", SECRET, issued_at=ISSUED),
                              SECRET)


def test_a_token_carries_its_issue_time(target):
    assert target.issued_at_ms == int(ISSUED * 1000)


def test_a_version_1_token_still_verifies_without_an_issue_time():
    assert unsubscribe.verify(_v1_token("lead-1", "c"), SECRET) == \
        unsubscribe.UnsubscribeTarget("lead-1", "c", None)


@pytest.mark.parametrize("claims", [{"v": 2, "l": "x", "c": ""},
                                    {"v": 2, "l": "x", "c": "", "t": "soon"},
                                    {"v": 2, "l": "x", "c": "", "t": -1},
                                    {"v": 2, "l": "x", "c": "", "t": 1.5},
                                    {"v": 3, "l": "x", "c": "", "t": 1}])
def test_a_bad_issue_time_or_version_is_refused(claims):
    key = hmac.new(SECRET.encode(), b"aicmo unsubscribe token v1", hashlib.sha256).digest()
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256)
                                         .digest()).rstrip(b"=").decode()
    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.verify(f"{payload}.{signature}", SECRET)


def test_no_policy_accepts_for_ever(target):
    assert _refusal(target, age_days=10_000) is None
    assert _refusal(target, age_days=10_000, one_click=True) is None


def test_the_page_expires_after_ttl_days(target):
    assert _refusal(target, ttl_days=90, age_days=89.9) is None
    assert _refusal(target, ttl_days=90, age_days=90) == unsubscribe.EXPIRED


def test_revocation_refuses_links_issued_before_it_only(target):
    assert _refusal(target, revoked_before=ISSUED + 1) == unsubscribe.REVOKED
    assert _refusal(target, revoked_before=ISSUED) is None  # issued at the revocation
    assert _refusal(target, revoked_before=ISSUED - 1) is None


def test_one_click_works_for_60_days_whatever_the_policy(target):
    for age in (0, 30, 59.99):
        assert _refusal(target, ttl_days=60, revoked_before=ISSUED + 1, age_days=age,
                        one_click=True) is None
    assert _refusal(target, revoked_before=ISSUED + 1, age_days=60, one_click=True) \
        == unsubscribe.REVOKED
    assert _refusal(target, ttl_days=60, age_days=60, one_click=True) == unsubscribe.EXPIRED
    assert _refusal(target, ttl_days=365, age_days=200, one_click=True) is None


def test_a_version_1_token_counts_as_issued_at_time_0():
    legacy = unsubscribe.verify(_v1_token("lead-1", "c"), SECRET)
    assert _refusal(legacy) is None  # no policy: works as before
    assert _refusal(legacy, ttl_days=3650) == unsubscribe.EXPIRED
    assert _refusal(legacy, revoked_before=1.0) == unsubscribe.REVOKED
    # Nothing proves the message is older than the grace period: one-click still works.
    assert _refusal(legacy, ttl_days=60, revoked_before=ISSUED, one_click=True) is None
