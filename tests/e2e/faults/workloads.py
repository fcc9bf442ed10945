"""Bursts of real changes through the public API, each producing audit events in venture,
leads and distribution: campaign life cycles, kill switches, verdicts, captures, matches,
consent changes, DNC, erasure, imports and campaign runs. People carry recognisable personal
data so a test can search for it afterwards."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from google.protobuf.field_mask_pb2 import FieldMask

from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.venture.v1 import venture_pb2 as vpb
from tests.support.stack import EMAIL, ProcessStack


@dataclass(frozen=True)
class Person:
    """Someone whose personal data must never reach the audit log."""

    first_name: str
    last_name: str
    email: str
    phone: str  # as typed into a form
    phone_e164: str
    second_phone: str
    second_phone_e164: str
    linkedin: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def raw_values(self) -> list[str]:
        """Every form in which this person's data could leak."""
        return [self.email, self.email.lower(), self.email.upper(), self.phone,
                self.phone_e164, self.phone_e164.lstrip("+"), self.second_phone,
                self.second_phone_e164, self.second_phone_e164.lstrip("+"), self.name,
                self.first_name, self.last_name, self.linkedin.split("/in/")[1].rstrip("/")]


FIRST_NAMES = ("Zephyrine", "Bartholomew", "Ottilie", "Maximilian", "Philippa", "Leopoldine",
               "Cornelius", "Gwendolyn", "Ignatius", "Rosalind", "Thaddeus", "Wilhelmina")
LAST_NAMES = ("Wolstenholme", "Quarrington", "Fairweather", "Blennerhassett", "Cholmondeley",
              "Featherstonehaugh", "Marjoribanks", "Postlethwaite", "Throckmorton",
              "Winterbottom", "Higginbotham", "Ravenscroft")


def people(count: int, *, start: int = 0) -> list[Person]:
    tag = uuid.uuid4().hex[:6]
    found = []
    for index in range(start, start + count):
        first = FIRST_NAMES[index % len(FIRST_NAMES)] + f"x{tag}"
        last = LAST_NAMES[(index * 5) % len(LAST_NAMES)] + f"y{index}"
        found.append(Person(
            first_name=first, last_name=last,
            email=f"{first}.{last}@Privacy-Probe.example",
            phone=f"+44 20 7946 {index % 1000:04d}",
            phone_e164=f"+44207946{index % 1000:04d}",
            second_phone=f"+1 212 736 {5000 + index:04d}",
            second_phone_e164=f"+1212736{5000 + index:04d}",
            linkedin=f"https://www.linkedin.com/in/{last.lower()}-{tag}"))
    return found


async def venture_changes(stack: ProcessStack, venture_id: str) -> None:
    """One campaign's life: created, updated, started, switched off and on, verdicts asked,
    paused, resumed, stopped; and the venture's own kill switch set and cleared."""
    md = stack.md
    venture = stack.venture
    created = await venture.CreateCampaign(vpb.CreateCampaignRequest(campaign=vpb.Campaign(
        venture_id=venture_id, name="Burst", allowed_channels=[EMAIL], daily_send_limit=5)),
        metadata=md, timeout=10)
    campaign_id = created.campaign.id
    await venture.UpdateCampaign(vpb.UpdateCampaignRequest(
        campaign=vpb.Campaign(id=campaign_id, daily_send_limit=9),
        update_mask=FieldMask(paths=["daily_send_limit"])), metadata=md, timeout=10)
    await venture.StartCampaign(vpb.StartCampaignRequest(campaign_id=campaign_id, reason="go"),
                                metadata=md, timeout=10)
    await venture.SetCampaignKillSwitch(vpb.SetCampaignKillSwitchRequest(
        campaign_id=campaign_id, reason="check"), metadata=md, timeout=10)
    await _verdict(stack, campaign_id)  # a DENY
    await venture.ClearCampaignKillSwitch(vpb.ClearCampaignKillSwitchRequest(
        campaign_id=campaign_id, reason="checked"), metadata=md, timeout=10)
    await _verdict(stack, campaign_id)  # an ALLOW
    await _verdict(stack, campaign_id)
    await venture.PauseCampaign(vpb.PauseCampaignRequest(campaign_id=campaign_id,
                                                         reason="lunch"),
                                metadata=md, timeout=10)
    await venture.ResumeCampaign(vpb.ResumeCampaignRequest(campaign_id=campaign_id,
                                                           reason="back"),
                                 metadata=md, timeout=10)
    await venture.SetVentureKillSwitch(vpb.SetVentureKillSwitchRequest(
        venture_id=venture_id, reason="drill"), metadata=md, timeout=10)
    await _verdict(stack, campaign_id)  # a DENY for the venture switch
    await venture.ClearVentureKillSwitch(vpb.ClearVentureKillSwitchRequest(
        venture_id=venture_id, reason="drill over"), metadata=md, timeout=10)
    await venture.StopCampaign(vpb.StopCampaignRequest(campaign_id=campaign_id, reason="done"),
                               metadata=md, timeout=10)


async def _verdict(stack: ProcessStack, campaign_id: str) -> None:
    await stack.venture.AuthorizeSend(vpb.AuthorizeSendRequest(
        campaign_id=campaign_id, channel=EMAIL, send_id=str(uuid.uuid4())),
        metadata=stack.md, timeout=10)


async def lead_changes(stack: ProcessStack, venture_id: str, campaign_id: str, person: Person,
                       index: int) -> str:
    """A person captured, matched again with a second phone, consented with evidence, then
    (by turns) marked DNC, erased, or updated; returns the lead id."""
    md = stack.md
    leads = stack.leads
    first = await leads.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
        venture_id=venture_id, campaign_id=campaign_id, email=person.email, phone=person.phone,
        name=person.name, first_name=person.first_name, source_channel="web_form",
        source_reference="form-7", utm=lpb.UtmParameters(source="news", campaign="spring"))),
        metadata=md, timeout=10)
    lead_id = first.lead.lead_id
    await leads.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
        venture_id=venture_id, campaign_id=campaign_id, email=person.email.upper(),
        phone=person.second_phone, linkedin_url=person.linkedin, name=person.name,
        source_channel="import")), metadata=md, timeout=10)
    await leads.UpdateConsent(lpb.UpdateConsentRequest(
        lead_id=lead_id, consent_status=lpb.CONSENT_STATUS_CONSENTED,
        evidence=lpb.ConsentEvidence(source="web_form", form_url="https://acme.example/form",
                                     consent_text_version="v3"),
        reason="opted in"), metadata=md, timeout=10)
    if index % 3 == 0:
        await leads.MarkDnc(lpb.MarkDncRequest(lead_id=lead_id, reason="unsubscribe link"),
                            metadata=md, timeout=10)
    elif index % 3 == 1:
        await leads.EraseLead(lpb.EraseLeadRequest(lead_id=lead_id, reason="article 17"),
                              metadata=md, timeout=10)
    else:
        await leads.UpdateConsent(lpb.UpdateConsentRequest(
            lead_id=lead_id, consent_status=lpb.CONSENT_STATUS_DNC, reason="asked by phone"),
            metadata=md, timeout=10)
    return lead_id


async def import_people(stack: ProcessStack, venture_id: str, campaign_id: str,
                        persons: list[Person]) -> None:
    """An import stream of the people (rows create or match leads; a summary at the end)."""
    rows = [lpb.ImportLeadsRequest(row_number=index + 1, capture=lpb.LeadCapture(
        venture_id=venture_id, campaign_id=campaign_id, email=person.email,
        name=person.name, first_name=person.first_name))
        for index, person in enumerate(persons)]
    async for _ in stack.leads.ImportLeads(iter(rows), metadata=stack.md, timeout=20):
        pass


async def gather_limited(coroutines, limit: int = 4) -> list:
    """Runs the coroutines with at most ``limit`` in flight."""
    semaphore = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def ensure_venture(stack: ProcessStack, venture_id: str) -> None:
    await stack.venture.CreateVenture(vpb.CreateVentureRequest(venture=vpb.Venture(
        id=venture_id, name="Burst venture", timezone="Europe/London",
        owner_contact="owner@acme.example", default_channels=[EMAIL],
        sender=vpb.SenderIdentity(from_address="hello@acme.example", from_name="Acme",
                                  postal_address="1 Main St"))), metadata=stack.md, timeout=10)
