"""A capture as it arrives, and its validation into a normalised, trustworthy one.

Validation names every bad field at once and never echoes the bad value (it may be personal
data, or hostile). Nothing is written for a capture that fails it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from aicmo_leads.domain.consent import ConsentEvidence, ConsentStatus
from aicmo_leads.domain.identifiers import (
    Identifier,
    IdentifierError,
    IdentifierKind,
    normalise,
)
from aicmo_leads.domain.validation import (
    LONG_TEXT,
    SHORT_TEXT,
    SOURCE_TEXT,
    Violations,
    check_id,
    check_text,
)

SOURCE_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_ATTRIBUTES = 50
MAX_LIST_ENTRIES = 50
FORM_URL_MAX = 2048
# Clocks disagree a little; a consent time further in the future than this is a bug.
CONSENT_TIME_SKEW = dt.timedelta(minutes=5)

LINKEDIN_CONNECTION_STATUSES = frozenset({"", "not_connected", "pending", "connected"})
EMAIL_VALIDITIES = frozenset({"", "valid", "invalid", "risky"})
LEAD_GRADES = frozenset({"", "A", "B", "C", "D"})

PROFILE_FIELDS = ("name", "first_name", "company", "title", "industry", "company_size")
# The qualification fields that hold personal data and are emptied by erasure (all of them:
# notes and signals are free text about a person).
QUALIFICATION_TEXT_FIELDS = ("decision_maker_name", "decision_maker_role", "budget_range",
                             "referral_source")
QUALIFICATION_LIST_FIELDS = ("pain_points", "buying_signals", "intent_signals")


@dataclass(frozen=True)
class Utm:
    """UTM tags of the link that brought the person in."""

    campaign: str = ""
    content: str = ""
    source: str = ""
    medium: str = ""
    term: str = ""


@dataclass(frozen=True)
class Qualification:
    """The qualification fields the original system carried on its leads. Enum-like fields
    are strings ("" = not set); the entrypoint maps unknown wire values to "?<n>", which
    validation refuses."""

    decision_maker_name: str = ""
    decision_maker_role: str = ""
    decision_maker_email: str = ""
    budget_range: str = ""
    pain_points: tuple[str, ...] = ()
    buying_signals: tuple[str, ...] = ()
    intent_signals: tuple[str, ...] = ()
    referral_source: str = ""
    linkedin_connection_status: str = ""
    qualification_notes: str = ""
    email_validity: str = ""
    lead_grade: str = ""
    conversion_probability: float | None = None
    fit_score: float | None = None
    proposal_generated_at: dt.datetime | None = None

    def to_json(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in QUALIFICATION_LIST_FIELDS:
            data[name] = list(data[name])
        moment = self.proposal_generated_at
        data["proposal_generated_at"] = moment.isoformat() if moment else None
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> Qualification:
        if not data:
            return cls()
        values = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name in QUALIFICATION_LIST_FIELDS:
            values[name] = tuple(values.get(name) or ())
        moment = values.get("proposal_generated_at")
        values["proposal_generated_at"] = dt.datetime.fromisoformat(moment) if moment else None
        return cls(**values)

    def overlaid_with(self, newer: Qualification) -> Qualification:
        """This qualification with every field ``newer`` sets replacing the old value."""
        changes = {}
        for name in self.__dataclass_fields__:
            value = getattr(newer, name)
            if value not in ("", (), None):
                changes[name] = value
        return replace(self, **changes)


NO_QUALIFICATION = Qualification()


@dataclass(frozen=True)
class RawCapture:
    """A capture as the caller sent it (strings unchecked)."""

    venture_id: str = ""
    campaign_id: str = ""
    email: str = ""
    phone: str = ""
    linkedin_url: str = ""
    name: str = ""
    first_name: str = ""
    company: str = ""
    title: str = ""
    industry: str = ""
    company_size: str = ""
    source_channel: str = ""
    source_reference: str = ""
    utm: Utm = field(default_factory=Utm)
    consent_status: str = ""
    consent_evidence: ConsentEvidence | None = None
    value_currency: str = ""
    value_amount_minor: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    qualification: Qualification = field(default_factory=Qualification)


@dataclass(frozen=True)
class ValidCapture:
    """A validated capture: identifiers normalised, text checked, consent backed."""

    venture_id: str
    campaign_id: str
    identifiers: tuple[Identifier, ...]
    profile: dict[str, str]
    source_channel: str
    source_reference: str
    utm: Utm
    consent_status: ConsentStatus
    consent_evidence: ConsentEvidence | None
    value_currency: str
    value_amount_minor: int
    attributes: dict[str, str]
    qualification: Qualification

    def identifier(self, kind: IdentifierKind) -> str | None:
        for identifier in self.identifiers:
            if identifier.kind is kind:
                return identifier.value
        return None


def validate_evidence(problems: Violations, prefix: str, evidence: ConsentEvidence,
                      now: dt.datetime) -> ConsentEvidence:
    """Checks consent evidence; ``prefix`` is the field path of the evidence message."""
    source = check_text(problems, prefix + "source", evidence.source, 128)
    form_url = check_text(problems, prefix + "form_url", evidence.form_url, FORM_URL_MAX)
    if form_url:
        try:
            parts = urlsplit(form_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.add(prefix + "form_url", "must be an http or https URL")
        except ValueError:
            problems.add(prefix + "form_url", "must be an http or https URL")
    ip_text = check_text(problems, prefix + "ip_address", evidence.ip_address, 64)
    if ip_text:
        try:
            ip_text = str(ipaddress.ip_address(ip_text))
        except ValueError:
            problems.add(prefix + "ip_address", "must be an IPv4 or IPv6 address")
    version = check_text(problems, prefix + "consent_text_version",
                         evidence.consent_text_version, 64)
    moment = evidence.consent_time
    if moment is not None and moment > now + CONSENT_TIME_SKEW:
        problems.add(prefix + "consent_time", "must not be in the future")
    return ConsentEvidence(source=source, form_url=form_url, ip_address=ip_text,
                           consent_text_version=version, consent_time=moment)


def parse_consent_status(problems: Violations, field_path: str, value: str,
                         *, default: ConsentStatus | None) -> ConsentStatus | None:
    if value == "":
        if default is None:
            problems.add(field_path, "is required")
        return default
    try:
        return ConsentStatus(value)
    except ValueError:
        problems.add(field_path, "is not a known consent status")
        return default


def validate_qualification(problems: Violations, prefix: str, raw: Qualification,
                           now: dt.datetime, *, default_region: str) -> Qualification:
    """Checks every qualification field (``prefix`` is its path, e.g. ``qualification.``)."""
    values: dict[str, object] = {}
    for name in QUALIFICATION_TEXT_FIELDS:
        values[name] = check_text(problems, prefix + name, getattr(raw, name), SHORT_TEXT)
    values["qualification_notes"] = check_text(problems, prefix + "qualification_notes",
                                               raw.qualification_notes, LONG_TEXT,
                                               multiline=True)
    for name in QUALIFICATION_LIST_FIELDS:
        entries = getattr(raw, name)
        if len(entries) > MAX_LIST_ENTRIES:
            problems.add(prefix + name, f"must have at most {MAX_LIST_ENTRIES} entries")
            values[name] = ()
            continue
        checked = []
        for index, entry in enumerate(entries):
            text = check_text(problems, f"{prefix}{name}[{index}]", entry, SHORT_TEXT)
            if text:
                checked.append(text)
        values[name] = tuple(checked)
    email = raw.decision_maker_email
    values["decision_maker_email"] = ""
    if email:
        try:
            values["decision_maker_email"] = normalise(IdentifierKind.EMAIL, email,
                                                       default_region=default_region).value
        except IdentifierError as error:
            problems.add(prefix + "decision_maker_email", str(error))
    for name, allowed in (("linkedin_connection_status", LINKEDIN_CONNECTION_STATUSES),
                          ("email_validity", EMAIL_VALIDITIES), ("lead_grade", LEAD_GRADES)):
        value = getattr(raw, name)
        if value not in allowed:
            problems.add(prefix + name, "is not a known value")
            value = ""
        values[name] = value
    for name, top in (("conversion_probability", 1.0), ("fit_score", 100.0)):
        number = getattr(raw, name)
        if number is not None and (not math.isfinite(number) or not 0.0 <= number <= top):
            problems.add(prefix + name, f"must be between 0 and {top:g}")
            number = None
        values[name] = number
    moment = raw.proposal_generated_at
    if moment is not None and moment > now + CONSENT_TIME_SKEW:
        problems.add(prefix + "proposal_generate_time", "must not be in the future")
    values["proposal_generated_at"] = moment
    return Qualification(**values)


def validate_attributes(problems: Violations, field_path: str,
                        attributes: dict[str, str]) -> dict[str, str]:
    if len(attributes) > MAX_ATTRIBUTES:
        problems.add(field_path, f"must have at most {MAX_ATTRIBUTES} entries")
        return {}
    checked = {}
    for key, value in sorted(attributes.items()):
        if not ATTRIBUTE_KEY.match(key):
            problems.add(field_path, "keys must be 1-64 characters: letters, digits, '_', "
                                     "'.' or '-'")
            continue
        text = check_text(problems, f"{field_path}[{key}]", value, LONG_TEXT, multiline=True)
        checked[key] = text
    return checked


def validate_capture(raw: RawCapture, *, now: dt.datetime, default_region: str,
                     default_source_channel: str, prefix: str = "") -> tuple[
                         ValidCapture | None, Violations]:
    """Validates ``raw``; returns the valid capture, or None and every violation."""
    problems = Violations(prefix)
    venture_id = check_id(problems, "venture_id", raw.venture_id, required=True)
    campaign_id = check_id(problems, "campaign_id", raw.campaign_id, required=False)
    identifiers = []
    for kind, field_name in ((IdentifierKind.EMAIL, "email"), (IdentifierKind.PHONE, "phone"),
                             (IdentifierKind.LINKEDIN, "linkedin_url")):
        value = getattr(raw, field_name)
        if not value.strip():
            if value:
                problems.add(field_name, "must not be blank")
            continue
        try:
            identifiers.append(normalise(kind, value, default_region=default_region))
        except IdentifierError as error:
            problems.add(field_name, str(error))
    if not identifiers and not any(getattr(raw, name) for name in
                                   ("email", "phone", "linkedin_url")):
        problems.add("email", "at least one of email, phone or linkedin_url is required")
    profile = {name: check_text(problems, name, getattr(raw, name), SHORT_TEXT)
               for name in PROFILE_FIELDS}
    source_channel = raw.source_channel or default_source_channel
    if not SOURCE_CHANNEL.match(source_channel):
        problems.add("source_channel", "must be a lower-case token of at most 64 characters "
                                       "(letters, digits, '_', '-', '.', ':')")
    source_reference = check_text(problems, "source_reference", raw.source_reference,
                                  SOURCE_TEXT)
    utm = Utm(**{name: check_text(problems, f"utm.{name}", getattr(raw.utm, name), SOURCE_TEXT)
                 for name in Utm.__dataclass_fields__})
    status = parse_consent_status(problems, "consent_status", raw.consent_status,
                                  default=ConsentStatus.UNKNOWN)
    evidence = None
    if raw.consent_evidence is not None and not raw.consent_evidence.empty:
        evidence = validate_evidence(problems, "consent_evidence.", raw.consent_evidence, now)
        if evidence.consent_time is None:
            evidence = replace(evidence, consent_time=now)
    if status is ConsentStatus.CONSENTED and not (evidence and evidence.sufficient_for_consent):
        problems.add("consent_evidence", "CONSENTED needs evidence: a source and at least one "
                                         "of form_url, ip_address or consent_text_version")
    currency = raw.value_currency
    if currency and not CURRENCY.match(currency):
        problems.add("value_estimate.currency_code", "must be an ISO 4217 code such as USD")
    if raw.value_amount_minor < 0:
        problems.add("value_estimate.amount_minor", "must be zero or more")
    elif raw.value_amount_minor > 0 and not currency:
        problems.add("value_estimate.currency_code", "is required with an amount")
    attributes = validate_attributes(problems, "attributes", raw.attributes)
    qualification = raw.qualification
    if qualification != NO_QUALIFICATION:  # the empty one is valid as it is
        qualification = validate_qualification(problems, "qualification.", qualification, now,
                                               default_region=default_region)
    if problems:
        return None, problems
    return ValidCapture(
        venture_id=venture_id, campaign_id=campaign_id, identifiers=tuple(identifiers),
        profile=profile, source_channel=source_channel, source_reference=source_reference,
        utm=utm, consent_status=status, consent_evidence=evidence, value_currency=currency,
        value_amount_minor=raw.value_amount_minor, attributes=attributes,
        qualification=qualification,
    ), problems
