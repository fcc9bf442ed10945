"""Consent, contactability and capture validation rules, without any database."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_leads.domain.capture import Qualification, RawCapture, validate_capture
from aicmo_leads.domain.consent import (
    ConsentChangeRefused,
    ConsentEvidence,
    ConsentStatus,
    check_explicit_change,
    consent_after_capture,
    most_restrictive,
)
from aicmo_leads.domain.contactability import BlockReason, DeliveryChannel, LeadState, assess
from aicmo_leads.domain.lead_update import validate_update

C, U, D = ConsentStatus.CONSENTED, ConsentStatus.UNKNOWN, ConsentStatus.DNC
NOW = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)
EVIDENCE = ConsentEvidence(source="web_form", form_url="https://acme.test/f")


@pytest.mark.parametrize("statuses, winner", [
    ((C, U), U), ((U, D), D), ((C, D), D), ((C, C), C), ((D, C, U), D)])
def test_most_restrictive_consent_wins(statuses, winner):
    assert most_restrictive(*statuses) is winner


@pytest.mark.parametrize("current, captured, suppressed, result", [
    (U, C, False, C), (C, U, False, C), (D, C, False, D), (C, D, False, D),
    (C, C, True, D), (U, U, False, U), (U, U, True, D)])
def test_a_capture_never_lifts_dnc(current, captured, suppressed, result):
    assert consent_after_capture(current, captured, suppressed) is result


def test_explicit_changes_need_evidence_for_consent_and_never_return_dnc_to_unknown():
    with pytest.raises(ConsentChangeRefused) as refused:
        check_explicit_change(D, C, None)
    assert refused.value.reason == "EVIDENCE_REQUIRED"
    with pytest.raises(ConsentChangeRefused):
        check_explicit_change(U, C, ConsentEvidence(source="web_form"))
    with pytest.raises(ConsentChangeRefused) as refused:
        check_explicit_change(D, U, EVIDENCE)
    assert refused.value.reason == "INVALID_TRANSITION"
    check_explicit_change(D, C, EVIDENCE)
    check_explicit_change(C, D, None)


def test_contactability_lists_every_reason_and_the_address_only_when_allowed():
    blocked = assess(state=LeadState.ACTIVE, consent=D, suppressed=True,
                     channel=DeliveryChannel.SMS, consent_required=False,
                     email="a@example.com", phone=None, linkedin_url=None)
    assert blocked.reasons == (BlockReason.DNC, BlockReason.SUPPRESSED,
                               BlockReason.NO_ADDRESS_FOR_CHANNEL)
    assert blocked.address == "" and not blocked.allowed
    allowed = assess(state=LeadState.ACTIVE, consent=U, suppressed=False,
                     channel=DeliveryChannel.WEBHOOK, consent_required=False, email=None,
                     phone="+14155552671", linkedin_url=None)
    assert allowed.allowed and allowed.address == "+14155552671"
    unknown = assess(state=LeadState.ERASED, consent=U, suppressed=False,
                     channel=DeliveryChannel.EMAIL, consent_required=True, email=None,
                     phone=None, linkedin_url=None)
    assert unknown.reasons == (BlockReason.ERASED, BlockReason.CONSENT_REQUIRED_UNKNOWN)


def _validate(**fields):
    fields.setdefault("venture_id", "acme")
    return validate_capture(RawCapture(**fields), now=NOW, default_region="US",
                            default_source_channel="api", prefix="capture.")


def test_a_valid_capture_is_normalised():
    capture, problems = _validate(email="A@Example.com", phone="415 555 2671",
                                  consent_status="consented", consent_evidence=EVIDENCE)
    assert not problems
    assert [i.value for i in capture.identifiers] == ["a@example.com", "+14155552671"]
    assert capture.consent_status is C and capture.consent_evidence.consent_time == NOW
    assert capture.source_channel == "api"


def test_the_default_phone_region_applies_to_national_numbers():
    capture, _ = validate_capture(RawCapture(venture_id="acme", phone="020 7946 0958"),
                                  now=NOW, default_region="GB", default_source_channel="api")
    assert capture.identifiers[0].value == "+442079460958"


def test_invalid_fields_are_all_named_with_the_prefix():
    capture, problems = _validate(venture_id="", email="nope", consent_status="?7",
                                  qualification=Qualification(fit_score=-1))
    assert capture is None
    assert [v.field for v in problems.items] == [
        "capture.venture_id", "capture.email", "capture.consent_status",
        "capture.qualification.fit_score"]


def test_update_mask_refuses_identity_fields_and_unknown_paths():
    changes, problems = validate_update(
        ["email"], profile={}, value_currency="", value_amount_minor=0, attributes={},
        qualification=Qualification(), now=NOW, default_region="US")
    assert changes is None and [v.field for v in problems.items] == ["update_mask"]
    changes, problems = validate_update(
        ["qualification.fit_score", "company"], profile={"company": "Acme"},
        value_currency="", value_amount_minor=0, attributes={},
        qualification=Qualification(fit_score=12.0), now=NOW, default_region="US")
    assert not problems
    assert changes.profile == {"company": "Acme"}
    assert changes.applied_to(Qualification(lead_grade="A")) == Qualification(
        lead_grade="A", fit_score=12.0)
