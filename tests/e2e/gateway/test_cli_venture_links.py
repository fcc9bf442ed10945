"""`aicmo venture create/update` with the privacy policy URL and the unsubscribe link policy,
against the real venture service: stored, shown, revoked, and bad values refused (exit 2)."""

from __future__ import annotations

import pytest

from tests.e2e.gateway.cli_runner import unique

pytestmark = pytest.mark.needs("venture")


def test_privacy_url_ttl_and_revocation_through_the_cli(aicmo):
    venture_id = unique("links")
    created = aicmo.json("venture", "create", venture_id, "--name", "Links", "--owner",
                         "owner@links.test", "--privacy-policy-url",
                         "https://links.test/privacy", "--unsubscribe-ttl-days", "90")
    assert created["privacy_policy_url"] == "https://links.test/privacy"
    assert created["unsubscribe_links"]["ttl_days"] == 90
    assert "revoked_before" not in created["unsubscribe_links"]

    updated = aicmo.json("venture", "update", venture_id, "--unsubscribe-ttl-days", "0",
                         "--revoke-unsubscribe-links")
    assert updated["privacy_policy_url"] == "https://links.test/privacy"
    assert updated["unsubscribe_links"].get("ttl_days", 0) == 0
    assert updated["unsubscribe_links"]["revoked_before"]
    shown = aicmo.json("venture", "show", venture_id)
    assert shown["unsubscribe_links"]["revoked_before"] \
        == updated["unsubscribe_links"]["revoked_before"]

    cleared = aicmo.json("venture", "update", venture_id, "--privacy-policy-url", "")
    assert cleared.get("privacy_policy_url", "") == ""


def test_bad_privacy_url_and_ttl_are_named_and_exit_2(aicmo):
    venture_id = unique("links")
    result = aicmo("venture", "create", venture_id, "--name", "Links", "--owner",
                   "owner@links.test", "--privacy-policy-url", "http://links.test/privacy",
                   "--unsubscribe-ttl-days", "7")
    assert result.code == 2, result.stderr
    assert "venture.privacy_policy_url" in result.stderr and "https" in result.stderr
    assert "venture.unsubscribe_links.ttl_days" in result.stderr
    assert aicmo("venture", "show", venture_id).code == 3  # nothing was created
    aicmo.json("venture", "create", venture_id, "--name", "Links", "--owner",
               "owner@links.test")
    long_url = "https://links.test/" + "p" * 2000
    result = aicmo("venture", "update", venture_id, "--privacy-policy-url", long_url)
    assert result.code == 2 and "venture.privacy_policy_url" in result.stderr
    assert "2000" in result.stderr
