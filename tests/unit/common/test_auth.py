"""Bearer tokens: issue, verify, expiry (also for a token verified before), scope."""

from __future__ import annotations

import pytest

from aicmo_common.auth import Principal, Role, TokenSigner, bearer_from_metadata
from aicmo_common.errors import PermissionDenied, Unauthenticated

SECRET = "unit-secret-" + "q" * 40


def test_issue_and_verify_round_trip():
    signer = TokenSigner(SECRET)
    principal = signer.verify(signer.issue("ops@x", Role.OPERATOR, venture="acme"))
    assert principal == Principal("ops@x", Role.OPERATOR, "acme")


def test_a_remembered_token_still_expires(monkeypatch):
    signer = TokenSigner(SECRET)
    token = signer.issue("ops@x", Role.OPERATOR, ttl_seconds=60)
    assert signer.verify(token).subject == "ops@x"
    import aicmo_common.auth as auth_module

    real_time = auth_module.time.time
    monkeypatch.setattr(auth_module.time, "time", lambda: real_time() + 3600)
    with pytest.raises(Unauthenticated):
        signer.verify(token)


def test_tampered_token_is_refused():
    signer = TokenSigner(SECRET)
    token = signer.issue("ops@x", Role.VIEWER)
    header, payload, signature = token.split(".")
    forged = ".".join((header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA"
                                                          else "BB")))
    with pytest.raises(Unauthenticated) as caught:
        signer.verify(forged)
    assert caught.value.reason == "TOKEN_INVALID"


def test_short_secret_is_refused():
    with pytest.raises(ValueError):
        TokenSigner("short")


@pytest.mark.parametrize("metadata", [(), (("authorization", "Basic abc"),),
                                      (("authorization", "Bearer "),)])
def test_missing_or_malformed_authorization(metadata):
    with pytest.raises(Unauthenticated) as caught:
        bearer_from_metadata(metadata)
    assert caught.value.reason == "TOKEN_MISSING"


def test_venture_scope_and_roles():
    scoped = Principal("ops@x", Role.OPERATOR, "acme")
    scoped.require_venture("acme")
    with pytest.raises(PermissionDenied) as caught:
        scoped.require_venture("globex")
    assert caught.value.reason == "VENTURE_SCOPE"
    with pytest.raises(PermissionDenied):
        scoped.require({Role.ADMIN})
    Principal("root", Role.ADMIN).require_venture("anything")


def test_service_token_source_renews_before_expiry(monkeypatch):
    import aicmo_common.auth as auth_module

    signer = TokenSigner(SECRET)
    real_now = auth_module.time.time()
    clock = {"now": real_now - 95}
    monkeypatch.setattr(auth_module.time, "time", lambda: clock["now"])
    source = signer.service_token_source("distribution", ttl_seconds=100)
    first = source()
    assert source() == first
    assert signer.verify(first) == Principal("svc-distribution", Role.SERVICE)
    clock["now"] = real_now  # inside the last tenth of its life: a new token, still valid
    second = source()
    assert second != first
    assert signer.verify(second).role is Role.SERVICE
