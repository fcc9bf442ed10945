"""The one Caller: roles, and the venture-scope rule every service applies."""

from __future__ import annotations

import pytest

from aicmo_common.access import MANAGERS, WRITERS, Caller
from aicmo_common.auth import Principal, Role
from aicmo_common.errors import PermissionDenied

ADMIN = Caller(Principal("admin@t", Role.ADMIN), "req-1")
SCOPED = Caller(Principal("svc-acme", Role.SERVICE, venture="acme"))
VIEWER = Caller(Principal("viewer@t", Role.VIEWER))


def test_an_unscoped_caller_acts_on_the_venture_it_names_or_on_every_one():
    assert ADMIN.venture_for("beta") == "beta" and ADMIN.venture_for("") == ""
    assert ADMIN.may_see("anything") and ADMIN.token_venture is None
    ADMIN.require_unscoped("VerifyChain")


def test_a_scoped_caller_acts_only_on_its_own_venture_from_the_token():
    assert SCOPED.venture_for("") == "acme" and SCOPED.venture_for("acme") == "acme"
    assert SCOPED.may_see("acme") and not SCOPED.may_see("beta")
    for refused in (lambda: SCOPED.venture_for("beta"), lambda: SCOPED.require_venture("beta"),
                    lambda: SCOPED.require_unscoped("VerifyChain")):
        with pytest.raises(PermissionDenied) as error:
            refused()
        assert error.value.reason == "VENTURE_SCOPE"


def test_roles_and_the_actor_audit_records():
    SCOPED.require(WRITERS, "CaptureLead")
    with pytest.raises(PermissionDenied):
        VIEWER.require(WRITERS, "CaptureLead")
    with pytest.raises(PermissionDenied):
        SCOPED.require(MANAGERS, "StartCampaign")
    assert ADMIN.actor.label == "admin:admin@t" and ADMIN.request_id == "req-1"
