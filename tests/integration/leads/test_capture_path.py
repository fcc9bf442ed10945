"""The capture path runs prepared statements on the driver cursor and answers from what it
wrote: its answers must equal what the database then holds, read back through SQLAlchemy,
and its rows must be the rows the SQLAlchemy path writes (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from aicmo_common.access import Caller
from aicmo_common.actor import Actor
from aicmo_common.auth import Principal, Role
from aicmo_leads.adapters import tables
from aicmo_leads.adapters.store import LeadRepository, statements
from aicmo_leads.domain.capture import Qualification, RawCapture, Utm, validate_capture
from aicmo_leads.domain.consent import ConsentEvidence, ConsentSource
from aicmo_leads.domain.identifiers import Identifier, IdentifierKind
from aicmo_leads.domain.lead import CaptureOutcome, SuppressionScope
from aicmo_leads.service_layer import consent
from aicmo_leads.service_layer.capture import CaptureCall, capture_lead

ACTOR = Actor("ops@test", "operator")


def _capture(database, settings, request_id: str = "", **fields):
    fields.setdefault("venture_id", "acme")
    capture, problems = validate_capture(RawCapture(**fields), now=settings.now(),
                                         default_region="US", default_source_channel="api")
    assert not problems.items
    call = CaptureCall(actor=ACTOR, source=ConsentSource.CAPTURE, request_id=request_id,
                       fingerprint="fp-" + request_id)
    answer = database.transact(capture_lead, capture, call, settings)
    stored = database.read(lambda session: LeadRepository(session).lead_record(
        answer.result.lead_id))
    touch = database.read(lambda session: LeadRepository(session).touches_by_id(
        [answer.result.touch_id]))[answer.result.touch_id]
    # The answer is built from what the capture wrote; it must be what was stored.
    assert answer.lead == stored
    assert answer.touch == touch
    return answer


def test_answers_equal_the_stored_lead_through_creation_matching_consent_and_merging(
        database, settings):
    evidence = ConsentEvidence(source="web_form", form_url="https://acme.test/f",
                               ip_address="192.0.2.1", consent_text_version="v3",
                               consent_time=dt.datetime(2024, 12, 31, 9, 30, tzinfo=dt.UTC))
    first = _capture(
        database, settings, email="Ann@Example.com", phone="+1 415 555 2671",
        linkedin_url="linkedin.com/in/ann-a", name="Ann A", first_name="Ann",
        company="Acme", title="CTO", industry="Software", company_size="51-200",
        campaign_id="spring", source_channel="web_form", source_reference="form 7",
        utm=Utm(campaign="spring", content="hero", source="google", medium="cpc", term="x"),
        consent_status="consented", consent_evidence=evidence, value_currency="EUR",
        value_amount_minor=125000, attributes={"plan": "pro", "seats": "12"},
        qualification=Qualification(
            decision_maker_name="Bo", pain_points=("cost", "speed"), lead_grade="A",
            conversion_probability=0.25, fit_score=87.5,
            proposal_generated_at=dt.datetime(2024, 12, 1, tzinfo=dt.UTC)))
    assert first.result.outcome is CaptureOutcome.CREATED
    assert first.lead.consent_status.value == "consented"
    assert first.lead.first_touch == first.lead.last_touch == first.touch

    # A match that adds an identifier, overlays attributes and qualification, keeps the
    # first touch and lowers nothing.
    again = _capture(database, settings, email="ann@EXAMPLE.com", phone="+44 20 7946 0958",
                     attributes={"seats": "15"}, campaign_id="summer",
                     qualification=Qualification(buying_signals=("demo",)))
    assert again.result.outcome is CaptureOutcome.MATCHED
    assert again.lead.touch_count == 2
    assert again.lead.first_touch.id == first.touch.id
    assert again.lead.attributes == {"plan": "pro", "seats": "15"}
    assert len(again.lead.identifiers) == 4

    # DNC in a capture always wins, with a ledger entry.
    dnc = _capture(database, settings, email="ann@example.com", consent_status="dnc")
    assert dnc.lead.consent_status.value == "dnc"

    # Two leads proven to be one person are merged into the older one.
    other = _capture(database, settings, email="zed@example.com", name="Zed")
    merged = _capture(database, settings, request_id="merge-1", email="zed@example.com",
                      phone="+14155552671")
    assert merged.result.lead_id == first.result.lead_id
    assert merged.result.merged_lead_ids == (other.result.lead_id,)
    assert merged.lead.touch_count == 5

    # A replay answers from the stored lead as it is now.
    replay = _capture(database, settings, request_id="merge-1", email="zed@example.com",
                      phone="+14155552671")
    assert replay.result == merged.result


def test_a_capture_of_a_suppressed_identifier_is_dnc_by_suppression(database, settings):
    caller = Caller(Principal(ACTOR.subject, Role(ACTOR.role)))
    database.transact(consent.mark_dnc, consent.DncTarget(
        identifier=Identifier(IdentifierKind.EMAIL, "gone@example.com"), venture_id="acme"),
        SuppressionScope.VENTURE, "asked", caller, settings)
    answer = _capture(database, settings, email="Gone@Example.com", consent_status="consented",
                      consent_evidence=ConsentEvidence(source="web_form",
                                                       form_url="https://acme.test/f"))
    assert answer.result.suppressed
    assert answer.lead.consent_status.value == "dnc"
    with database.engine.connect() as connection:
        ledger = connection.execute(select(tables.consent_records)).all()
        outbox = connection.execute(select(tables.audit_outbox.c.action, tables.audit_outbox.c
                                           .context)).all()
    assert [(row.to_status, row.source, row.evidence) for row in ledger] == [
        ("dnc", "suppression", None)]
    assert {action for action, _ in outbox} >= {"lead.created", "lead.suppressed",
                                                  "consent.changed"}
    suppressed = next(context for action, context in outbox if action == "lead.suppressed")
    assert len(suppressed["suppression_entry_ids"]) == 1


def test_capture_path_rows_read_back_through_sqlalchemy(database, settings):
    answer = _capture(database, settings, request_id="req-7", email="row@example.com")
    with database.engine.connect() as connection:
        request = connection.execute(select(tables.capture_requests)).one()
        lead = connection.execute(select(tables.leads)).one()
        identifier = connection.execute(select(tables.lead_identifiers)).one()
    assert (request.lead_id, request.outcome, request.merged_lead_ids, request.suppressed,
            request.touch_id) == (answer.result.lead_id, "created", [], False,
                                  answer.result.touch_id)
    assert lead.attributes == {} and lead.consent_evidence is None
    assert Qualification.from_json(lead.qualification) == Qualification()
    assert lead.created_at.replace(tzinfo=dt.UTC) == answer.lead.created_at
    assert identifier.created_at.replace(tzinfo=dt.UTC) == answer.lead.created_at


def test_identifier_lookup_searches_the_primary_key_for_every_identifier(database, settings):
    if not database.sqlite:
        pytest.skip("the query plan checked is SQLite's")
    _capture(database, settings, email="plan@example.com", phone="+14155552671")
    # The statement the capture runs, compiled as its prepared form compiles it.
    sql = str(statements.identifier_lookup(2).compile(dialect=database.engine.dialect))
    with database.engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, ("acme", "email", "h1", "phone", "h2")))
    assert plan.count("(venture_id=? AND kind=? AND hmac=?)") == 2, plan
