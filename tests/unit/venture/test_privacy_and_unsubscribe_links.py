"""A venture's privacy policy URL and unsubscribe link policy: validated with the field named,
changed through the update mask, revoked at "now", and never undone by accident."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_common.auth import Principal, Role
from aicmo_venture.domain.errors import InvalidFields
from aicmo_venture.domain.validation import UnsubscribeLinksDraft, VentureDraft
from aicmo_venture.service_layer import ventures
from aicmo_venture.service_layer.access import Caller
from tests.unit.venture.fakes import FakeVentureRepository

NOW = dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)
ADMIN = Caller(Principal("admin@t", Role.ADMIN))
OPERATOR = Caller(Principal("ops@t", Role.OPERATOR))


def _draft(**extra) -> VentureDraft:
    return VentureDraft(id="acme", name="Acme", timezone="UTC", owner_contact="o@acme.example",
                        **extra)


def _fields(error: InvalidFields) -> dict[str, str]:
    return {v.field: v.description for v in error.violations}


@pytest.fixture
def repo() -> FakeVentureRepository:
    return FakeVentureRepository()


def test_create_keeps_the_privacy_url_and_ttl(repo):
    venture = ventures.create_venture(repo, ADMIN, NOW, _draft(
        privacy_policy_url="https://acme.example/privacy",
        unsubscribe_links=UnsubscribeLinksDraft(ttl_days=90)), None)
    stored = repo.get_venture("acme")
    assert stored.privacy_policy_url == venture.privacy_policy_url \
        == "https://acme.example/privacy"
    assert stored.unsubscribe_links.ttl_days == 90
    assert stored.unsubscribe_links.revoked_before is None


@pytest.mark.parametrize("url, says", [
    ("http://acme.example/privacy", "https URL"),
    ("javascript:alert(1)", "https URL"),
    ("https://", "https URL"),
    ("acme.example/privacy", "https URL"),
    ("https://acme.example/pri vacy", "spaces"),
    ("https://user:pw@acme.example/", "user name"),
    ("https://acme.example/" + "p" * 2000, "at most 2000"),
])
def test_a_bad_privacy_url_is_refused_naming_the_field(repo, url, says):
    with pytest.raises(InvalidFields) as caught:
        ventures.create_venture(repo, ADMIN, NOW, _draft(privacy_policy_url=url), None)
    assert says in _fields(caught.value)["venture.privacy_policy_url"]
    assert repo.get_venture("acme") is None


@pytest.mark.parametrize("ttl, ok", [(0, True), (60, True), (3650, True), (59, False),
                                     (1, False), (3651, False), (-1, False)])
def test_ttl_days_is_zero_or_60_to_3650(repo, ttl, ok):
    ventures.create_venture(repo, ADMIN, NOW, _draft(), None)
    draft = _draft(unsubscribe_links=UnsubscribeLinksDraft(ttl_days=ttl))
    if ok:
        updated = ventures.update_venture(repo, OPERATOR, NOW, draft,
                                          ["unsubscribe_links.ttl_days"], None)
        assert updated.unsubscribe_links.ttl_days == ttl
        return
    with pytest.raises(InvalidFields) as caught:
        ventures.update_venture(repo, OPERATOR, NOW, draft, ["unsubscribe_links.ttl_days"],
                                None)
    assert "between 60 and 3650" in _fields(caught.value)["venture.unsubscribe_links.ttl_days"]


def test_update_changes_only_the_named_paths_and_revoke_now_sets_now(repo):
    ventures.create_venture(repo, ADMIN, NOW, _draft(
        offer_summary="Analytics", unsubscribe_links=UnsubscribeLinksDraft(ttl_days=120)),
        None)
    later = NOW + dt.timedelta(days=3)
    updated = ventures.update_venture(
        repo, OPERATOR, later,
        VentureDraft(id="acme", privacy_policy_url="https://acme.example/p",
                     unsubscribe_links=UnsubscribeLinksDraft(ttl_days=0, revoke_now=True)),
        ["privacy_policy_url", "unsubscribe_links.revoke_now"], None)
    assert updated.privacy_policy_url == "https://acme.example/p"
    assert updated.unsubscribe_links.ttl_days == 120  # not named: kept
    assert updated.unsubscribe_links.revoked_before == later
    assert updated.offer_summary == "Analytics"
    assert repo.get_venture("acme") == updated
    assert repo.events[-1].context["changed_fields"] == ["privacy_policy_url",
                                                         "unsubscribe_links.revoke_now"]
    cleared = ventures.update_venture(repo, OPERATOR, later, VentureDraft(id="acme"),
                                      ["privacy_policy_url"], None)
    assert cleared.privacy_policy_url == ""
    assert cleared.unsubscribe_links.revoked_before == later  # a revocation stays


def test_revoke_now_false_and_revoked_before_are_refused(repo):
    ventures.create_venture(repo, ADMIN, NOW, _draft(), None)
    with pytest.raises(InvalidFields) as caught:
        ventures.update_venture(repo, OPERATOR, NOW, VentureDraft(id="acme"),
                                ["unsubscribe_links.revoke_now"], None)
    assert "must be true" in _fields(caught.value)["venture.unsubscribe_links.revoke_now"]
    with pytest.raises(InvalidFields) as caught:
        ventures.update_venture(repo, OPERATOR, NOW, VentureDraft(id="acme"),
                                ["unsubscribe_links.revoked_before"], None)
    assert "cannot be changed" in _fields(caught.value)["update_mask"]
    assert repo.get_venture("acme").unsubscribe_links.revoked_before is None
