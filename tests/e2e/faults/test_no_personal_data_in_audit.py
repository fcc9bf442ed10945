"""Issue 6, item 5: after a full scenario (captures with emails, phones and names, matches,
imports, consent, DNC, suppression of bare identifiers, erasure, a name change, and a campaign
run that delivers email), neither the audit database's file bytes nor any row of any of its
tables holds a raw email address, phone number or name."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb
from tests.e2e.faults.workloads import (
    ensure_venture,
    gather_limited,
    import_people,
    lead_changes,
    people,
)
from tests.support.stack import ProcessStack
from tests.support.waiting import wait_for

PRODUCERS = ("venture", "leads", "distribution")
IP_ADDRESS = "203.0.113.77"


def _file_bytes(url: str) -> bytes:
    """The SQLite database file and its WAL and shared-memory files, as stored."""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(candidate.read_bytes() for candidate in (
        path, Path(f"{path}-wal"), Path(f"{path}-shm")) if candidate.exists())


async def _drained(stack: ProcessStack) -> bool:
    for name in PRODUCERS:
        pending = await stack.databases.rows(
            name, "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL")
        if pending[0][0]:
            return False
    return True


@pytest.mark.timeout(120)
async def test_the_audit_database_holds_no_raw_personal_data(stack):
    await stack.start_all()
    venture_id = f"pii-{uuid.uuid4().hex[:8]}"
    await ensure_venture(stack, venture_id)
    campaign = await stack.campaign(venture_id=venture_id)
    template = await stack.template(venture_id)
    md = stack.md
    everyone = people(16)
    changed, contacted, imported, bare = (everyone[:6], everyone[6:10], everyone[10:13],
                                          everyone[13:])

    # Captured, matched with a second phone and a LinkedIn URL, consented, then DNC'd,
    # erased or opted out.
    await gather_limited([lead_changes(stack, venture_id, campaign.id, person, index)
                          for index, person in enumerate(changed)])
    # Captured with full evidence (IP address included) and contacted by the run below; one
    # is renamed first.
    contacted_ids = []
    for person in contacted:
        answer = await stack.leads.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
            venture_id=venture_id, campaign_id=campaign.id, email=person.email,
            phone=person.phone, linkedin_url=person.linkedin, name=person.name,
            first_name=person.first_name, source_channel="web_form",
            consent_status=lpb.CONSENT_STATUS_CONSENTED,
            consent_evidence=lpb.ConsentEvidence(source="web_form",
                                                 form_url="https://acme.example/form",
                                                 ip_address=IP_ADDRESS))),
            metadata=md, timeout=10)
        contacted_ids.append(answer.lead.lead_id)
    renamed = "Evangelinez Sackville-Bagginsq"
    await stack.leads.UpdateLead(lpb.UpdateLeadRequest(
        lead=lpb.Lead(lead_id=contacted_ids[0], name=renamed, first_name="Evangelinez"),
        update_mask=FieldMask(paths=["name", "first_name"])), metadata=md, timeout=10)
    await import_people(stack, venture_id, campaign.id, imported)
    # Bare identifiers of people who are no lead at all go on the suppression list.
    for person in bare:
        await stack.leads.MarkDnc(lpb.MarkDncRequest(
            identifier=lpb.Identifier(kind=lpb.IDENTIFIER_KIND_EMAIL, value=person.email),
            venture_id=venture_id, reason="complaint"), metadata=md, timeout=10)
        await stack.leads.MarkDnc(lpb.MarkDncRequest(
            identifier=lpb.Identifier(kind=lpb.IDENTIFIER_KIND_PHONE, value=person.phone),
            scope=lpb.SUPPRESSION_SCOPE_GLOBAL, reason="complaint"), metadata=md, timeout=10)

    run = await stack.run(campaign, template)
    await stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED, within=60)
    delivered_to = set(stack.mailbox.by_recipient())
    # The run reached the contacted and the imported people, so their addresses went through
    # distribution too.
    assert {p.email.lower() for p in contacted + imported} <= {a.lower() for a in delivered_to}

    await wait_for(lambda: _drained(stack), within=30, what="every outbox drained")
    audit_rows = await stack.databases.every_row("audit")
    assert len(audit_rows["audit_log"]) > 50
    actions = {row for row in await stack.databases.rows(
        "audit", "SELECT DISTINCT action FROM audit_log")}
    assert len(actions) >= 15, actions
    stack.databases.close()
    await stack.kill("audit")  # nothing may be written any more while the files are read
    stored = _file_bytes(stack.databases.urls["audit"]).lower()
    rows_text = repr(audit_rows).lower()

    needles = {value for person in everyone for value in person.raw_values()}
    needles |= {renamed, "Evangelinez", IP_ADDRESS}
    # The search itself works: leads' own database does hold such values in plain bytes.
    leads_bytes = _file_bytes(stack.databases.urls["leads"]).lower()
    assert contacted[1].email.lower().encode() in leads_bytes

    leaked_bytes = sorted(v for v in needles if v.lower().encode() in stored)
    leaked_rows = sorted(v for v in needles if v.lower() in rows_text)
    assert not leaked_bytes, f"personal data in the audit database file: {leaked_bytes}"
    assert not leaked_rows, f"personal data in audit rows: {leaked_rows}"
