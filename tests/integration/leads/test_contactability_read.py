"""CheckContactability answers from one statement; its answers must be exactly those of the
earlier five-query implementation (kept here as the reference) for every lead state, channel,
consent requirement and token scope (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_common.access import Caller
from aicmo_common.actor import Actor
from aicmo_common.auth import Principal, Role
from aicmo_common.errors import NotFound
from aicmo_leads.adapters.store import LeadRepository
from aicmo_leads.adapters.store.contactability import PooledContactabilityRead
from aicmo_leads.domain.capture import RawCapture, validate_capture
from aicmo_leads.domain.consent import ConsentEvidence, ConsentSource
from aicmo_leads.domain.contactability import BlockReason, DeliveryChannel, assess
from aicmo_leads.domain.lead import SuppressionScope
from aicmo_leads.entrypoints import mapping as tr
from aicmo_leads.service_layer import consent, reading
from aicmo_leads.service_layer.capture import CaptureCall, capture_lead
from aicmo_leads.service_layer.unit import visible_lead

ACTOR = Actor("ops@test", "operator")
CALLER = Caller(Principal(ACTOR.subject, Role(ACTOR.role)))
EVIDENCE = ConsentEvidence(source="web_form", form_url="https://acme.test/f",
                           consent_time=dt.datetime(2024, 12, 31, tzinfo=dt.UTC))


def previous_check(session, lead_id: str, token_venture: str | None,
                   channel: DeliveryChannel, consent_required: bool
                   ) -> pb.CheckContactabilityResponse:
    """The implementation before the one-statement read, with the servicer's translation."""
    repo = LeadRepository(session)
    lead = repo.lead_record(visible_lead(repo, lead_id, token_venture).id)
    hmacs = [row.hmac for row in repo.identifier_rows([lead.id])[lead.id]]
    suppressed = bool(repo.active_suppressions(lead.venture_id, hmacs))
    verdict = assess(state=lead.state, consent=lead.consent_status, suppressed=suppressed,
                     channel=channel, consent_required=consent_required, email=lead.email,
                     phone=lead.phone, linkedin_url=lead.linkedin_url)
    return pb.CheckContactabilityResponse(
        allowed=verdict.allowed, reasons=[tr.REASON_TO_PROTO[r] for r in verdict.reasons],
        address=verdict.address,
        lead=tr.lead_to_proto(lead) if verdict.allowed else None,
        venture_id=lead.venture_id, consent_status=tr.CONSENT_TO_PROTO[lead.consent_status],
        merged_into_lead_id=lead.merged_into)


def _capture(database, settings, **fields) -> str:
    fields.setdefault("venture_id", "acme")
    if fields.get("consent_status") == "consented":
        fields.setdefault("consent_evidence", EVIDENCE)
    capture, problems = validate_capture(RawCapture(**fields), now=settings.now(),
                                         default_region="US", default_source_channel="api")
    assert not problems.items
    call = CaptureCall(actor=ACTOR, source=ConsentSource.CAPTURE)
    return database.transact(capture_lead, capture, call, settings).lead.id


def _suppress(database, settings, lead_id: str, kind: str, scope: SuppressionScope,
              venture_id: str, *, lifted: bool = False) -> None:
    """A suppression entry straight in the table, on the lead's identifier of ``kind``,
    leaving the lead's consent as it is (a lead captured before the entry existed)."""

    def add(session):
        repo = LeadRepository(session)
        row = next(r for r in repo.identifier_rows([lead_id])[lead_id] if r.kind == kind)
        now = settings.now()
        repo.insert_suppression({
            "id": str(uuid.uuid4()), "kind": kind, "hmac": row.hmac, "scope": scope.value,
            "venture_id": venture_id, "reason": "test", "created_at": now,
            "created_by": "test", "lifted_at": now if lifted else None,
            "lifted_by": "test" if lifted else None})

    database.transact(add)


@pytest.fixture
def lead_ids(database, settings) -> dict[str, str]:
    leads: dict[str, str] = {}
    leads["email_consented"] = _capture(database, settings, email="ann@example.com",
                                        first_name="Ann", consent_status="consented")
    leads["phone_unknown"] = _capture(database, settings, phone="+1 415 555 2671")
    leads["linkedin_unknown"] = _capture(database, settings,
                                         linkedin_url="linkedin.com/in/lin-k")
    every = dict(email="bo@example.com", phone="+1 415 555 0100",
                 linkedin_url="linkedin.com/in/bo-b", name="Bo B", company="Acme",
                 attributes={"plan": "pro"}, consent_status="consented")
    leads["everything_twice"] = _capture(database, settings, **every)
    # A second capture: another touch (first and last touch differ) and the same lead.
    assert _capture(database, settings, email="bo@example.com", campaign_id="summer",
                    source_channel="web_form") == leads["everything_twice"]
    leads["dnc"] = _capture(database, settings, email="dee@example.com", consent_status="dnc")
    leads["venture_suppressed"] = _capture(database, settings, email="vic@example.com",
                                           phone="+1 415 555 0101",
                                           consent_status="consented")
    _suppress(database, settings, leads["venture_suppressed"], "phone",
              SuppressionScope.VENTURE, "acme")
    leads["global_suppressed"] = _capture(database, settings, email="gil@example.com",
                                          consent_status="consented")
    _suppress(database, settings, leads["global_suppressed"], "email",
              SuppressionScope.GLOBAL, "")
    # Entries that do not apply: another venture's, and a lifted one.
    leads["not_suppressed"] = _capture(database, settings, email="nat@example.com",
                                       consent_status="consented")
    _suppress(database, settings, leads["not_suppressed"], "email", SuppressionScope.VENTURE,
              "globex")
    _suppress(database, settings, leads["not_suppressed"], "email", SuppressionScope.VENTURE,
              "acme", lifted=True)
    _suppress(database, settings, leads["not_suppressed"], "email", SuppressionScope.GLOBAL,
              "", lifted=True)
    leads["marked_dnc"] = _capture(database, settings, email="mark@example.com",
                                   consent_status="consented")
    database.transact(consent.mark_dnc, consent.DncTarget(lead_id=leads["marked_dnc"]),
                      SuppressionScope.VENTURE, "asked", CALLER, settings)
    leads["erased"] = _capture(database, settings, email="eve@example.com",
                               consent_status="consented")
    database.transact(consent.erase_lead, leads["erased"], "asked", CALLER, settings)
    # Two leads proven one person are merged into the older one.
    leads["merge_winner"] = _capture(database, settings, email="win@example.com")
    leads["merged"] = _capture(database, settings, phone="+1 415 555 0199",
                               consent_status="consented")
    assert _capture(database, settings, email="win@example.com",
                    phone="+1 415 555 0199") == leads["merge_winner"]
    leads["other_venture"] = _capture(database, settings, venture_id="globex",
                                      email="glo@example.com", consent_status="consented")
    return leads


def fast_check(session, *args) -> pb.CheckContactabilityResponse:
    return tr.contactability_to_proto(reading.check_contactability(session, *args))


def _answer(database, check, *args):
    """The response, or what a NotFound said."""
    try:
        return database.read(check, *args)
    except NotFound as error:
        return ("not found", error.reason, dict(error.metadata))


def test_the_one_statement_answers_exactly_as_the_five_query_implementation(database,
                                                                             lead_ids):
    checked = 0
    reasons_seen: set[int] = set()
    allowed_seen = not_found_seen = 0
    for (name, lead_id), channel, required, token_venture in itertools.product(
            [*lead_ids.items(), ("missing", str(uuid.uuid4())), ("empty", "")],
            DeliveryChannel, (False, True), (None, "acme", "globex")):
        arguments = (lead_id, token_venture, channel, required)
        expected = _answer(database, previous_check, *arguments)
        fast = _answer(database, fast_check, *arguments)
        assert fast == expected, (name, channel, required, token_venture)
        checked += 1
        if isinstance(expected, tuple):
            not_found_seen += 1
            continue
        reasons_seen.update(expected.reasons)
        allowed_seen += expected.allowed
    # The matrix reaches every reason, allowed answers and refusals of scope.
    assert reasons_seen == {tr.REASON_TO_PROTO[reason] for reason in BlockReason}
    assert allowed_seen and not_found_seen
    assert checked == (len(lead_ids) + 2) * len(DeliveryChannel) * 2 * 3


def test_answers_name_each_state_as_expected(database, lead_ids):
    """Spot checks that the reference itself sees the states the matrix means to build."""

    def check(name: str, channel=DeliveryChannel.EMAIL, required=False):
        return database.read(fast_check, lead_ids[name], None, channel, required)

    allowed = check("everything_twice", DeliveryChannel.SMS, True)
    assert allowed.allowed and allowed.address == "+14155550100"
    assert len(allowed.lead.identifiers) == 3
    assert allowed.lead.first_touch.touch_id != allowed.lead.last_touch.touch_id
    assert allowed.lead.attributes == {"plan": "pro"}
    assert list(check("venture_suppressed").reasons) == [pb.CONTACTABILITY_REASON_SUPPRESSED]
    assert list(check("global_suppressed").reasons) == [pb.CONTACTABILITY_REASON_SUPPRESSED]
    assert check("not_suppressed").allowed
    assert list(check("marked_dnc").reasons) == [pb.CONTACTABILITY_REASON_DNC,
                                                 pb.CONTACTABILITY_REASON_SUPPRESSED]
    merged = check("merged")
    assert list(merged.reasons) == [pb.CONTACTABILITY_REASON_MERGED]
    assert merged.merged_into_lead_id == lead_ids["merge_winner"]
    assert not merged.HasField("lead") and merged.venture_id == "acme"
    # Erasure also leaves the person DNC.
    assert list(check("erased").reasons) == [pb.CONTACTABILITY_REASON_ERASED,
                                             pb.CONTACTABILITY_REASON_DNC]
    with pytest.raises(NotFound):
        database.read(reading.check_contactability, lead_ids["other_venture"], "acme",
                      DeliveryChannel.EMAIL, False)


def test_checks_read_together_answer_as_each_alone(database, lead_ids):
    """The servicer reads concurrent checks with one statement on a pooled connection; each
    answer (or NotFound) must be the one a check alone gets."""
    checks = [reading.ContactabilityCheck(lead_id, token_venture, channel, required)
              for lead_id, channel, required, token_venture in itertools.product(
                  [*lead_ids.values(), "missing", ""], DeliveryChannel, (False, True),
                  (None, "acme"))]
    together = reading.check_contactability_many(
        PooledContactabilityRead(database.engine), checks)
    assert len(together) == len(checks)
    for check, outcome in zip(checks, together, strict=True):
        alone = _answer(database, fast_check, check.lead_id, check.token_venture,
                        check.channel, check.consent_required)
        if isinstance(outcome, NotFound):
            assert alone == ("not found", outcome.reason, dict(outcome.metadata))
        else:
            assert tr.contactability_to_proto(outcome) == alone
    assert any(isinstance(outcome, NotFound) for outcome in together)
    assert any(not isinstance(outcome, NotFound) and outcome.verdict.allowed
               for outcome in together)
