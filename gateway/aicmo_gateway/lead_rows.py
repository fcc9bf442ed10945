"""Flat lead records (CSV rows, command-line flags) to and from the leads service's messages.

One vocabulary of flat field names serves the import mapping, the export columns and
``aicmo leads capture``: ``email``, ``utm_source``, ``consent_status``, ``attr:<key>`` ...
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2

TEXT_FIELDS = ("venture_id", "campaign_id", "email", "phone", "linkedin_url", "name",
               "first_name", "company", "title", "industry", "company_size", "source_channel",
               "source_reference")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CONSENT_FIELDS = ("consent_status", "consent_source", "consent_form_url", "consent_ip",
                  "consent_text_version", "consent_time")
IMPORT_FIELDS = (*TEXT_FIELDS, *UTM_FIELDS, *CONSENT_FIELDS)
ATTRIBUTE_PREFIX = "attr:"

# Common CSV headings and what they mean, so most files import with no mapping at all.
HEADER_ALIASES = {
    "e-mail": "email", "email address": "email", "mail": "email",
    "phone number": "phone", "mobile": "phone", "telephone": "phone", "tel": "phone",
    "linkedin": "linkedin_url", "linkedin url": "linkedin_url", "linkedin profile": "linkedin_url",
    "full name": "name", "first name": "first_name", "firstname": "first_name",
    "organisation": "company", "organization": "company", "company name": "company",
    "job title": "title", "position": "title", "consent": "consent_status",
}
# A consent column's words. Do-not-contact is for good, so only a word that says it outright
# puts a person there; a word that could mean "no consent yet" as well as "never contact me"
# is refused, naming the row, rather than guessed.
CONSENTED_WORDS = ("consented", "yes", "true", "opt-in")
DNC_WORDS = ("dnc", "opt-out", "unsubscribed")
UNKNOWN_WORDS = ("unknown",)
AMBIGUOUS_WORDS = ("no", "n", "false", "0", "none", "declined", "denied", "refused", "opt out",
                   "optout", "off")
CONSENT_WORDS = {
    "": leads_pb2.CONSENT_STATUS_UNSPECIFIED,
    **{word: leads_pb2.CONSENT_STATUS_UNKNOWN for word in UNKNOWN_WORDS},
    **{word: leads_pb2.CONSENT_STATUS_CONSENTED for word in CONSENTED_WORDS},
    **{word: leads_pb2.CONSENT_STATUS_DNC for word in DNC_WORDS},
}
# The columns that carry the evidence of a consent claim, with what each holds.
CONSENT_EVIDENCE_FIELDS = {
    "consent_source": "where the consent came from (default import:FILE, the file's name)",
    "consent_form_url": "the form the person signed up on",
    "consent_ip": "the address the person signed up from",
    "consent_text_version": "the version of the consent text the person agreed to",
    "consent_time": "when, ISO 8601 with an offset (2026-01-31T09:00:00Z)",
}


def consent_problem(value: str) -> str:
    """Why a consent word is refused."""
    words = (f"{', '.join(CONSENTED_WORDS)} for consent; {', '.join(DNC_WORDS)} for "
             f"do-not-contact; unknown or empty for neither")
    if value.strip().lower() in AMBIGUOUS_WORDS:
        return (f"consent_status: {value!r} is ambiguous (no consent given, or do not "
                f"contact?): write {words}")
    return f"consent_status: {value!r} is not a consent word: write {words}"


def understood_headings() -> dict[str, list[str]]:
    """Every field an import fills by itself, with the headings that name it (the field's
    own name, in any case, with spaces or dashes for underscores, and the aliases)."""
    headings: dict[str, list[str]] = {field: [field] for field in IMPORT_FIELDS}
    for alias, field in HEADER_ALIASES.items():
        headings[field].append(alias)
    return headings


def canonical_field(heading: str) -> str | None:
    """The field a CSV heading means, or None when it means nothing known."""
    lowered = heading.strip().lower()
    if lowered.startswith(ATTRIBUTE_PREFIX):
        return ATTRIBUTE_PREFIX + heading.strip()[len(ATTRIBUTE_PREFIX):]
    candidate = lowered.replace(" ", "_").replace("-", "_")
    if candidate in IMPORT_FIELDS:
        return candidate
    return HEADER_ALIASES.get(lowered)


def parse_time(text: str) -> timestamp_pb2.Timestamp:
    """ISO 8601 with an offset (or Z); raises ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("needs a timezone offset, e.g. 2026-01-31T09:00:00Z")
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def capture_from_fields(fields: Mapping[str, str]) -> tuple[leads_pb2.LeadCapture, list[str]]:
    """Builds a LeadCapture from flat fields; returns it with the problems found locally
    (the service checks everything else and names each bad field itself)."""
    capture = leads_pb2.LeadCapture()
    problems: list[str] = []
    for name, raw in fields.items():
        value = (raw or "").strip()
        if not value:
            continue
        if name in TEXT_FIELDS:
            setattr(capture, name, value)
        elif name in UTM_FIELDS:
            setattr(capture.utm, name.removeprefix("utm_"), value)
        elif name == "consent_status":
            status = CONSENT_WORDS.get(value.lower())
            if status is None:
                problems.append(consent_problem(value))
            else:
                capture.consent_status = status
        elif name == "consent_source":
            capture.consent_evidence.source = value
        elif name == "consent_form_url":
            capture.consent_evidence.form_url = value
        elif name == "consent_ip":
            capture.consent_evidence.ip_address = value
        elif name == "consent_text_version":
            capture.consent_evidence.consent_text_version = value
        elif name == "consent_time":
            try:
                capture.consent_evidence.consent_time.CopyFrom(parse_time(value))
            except ValueError as error:
                problems.append(f"consent_time: {value!r} is not a time ({error})")
        elif name.startswith(ATTRIBUTE_PREFIX):
            capture.attributes[name[len(ATTRIBUTE_PREFIX):]] = value
        else:
            problems.append(f"{name}: not a lead field")
    return capture, problems


def _time(stamp: timestamp_pb2.Timestamp, present: bool) -> str:
    return stamp.ToDatetime().isoformat() + "Z" if present else ""


EXPORT_COLUMNS = (
    "lead_id", "venture_id", "state", "identity_hash", "email", "phone", "linkedin_url",
    "name", "first_name", "company", "title", "industry", "company_size", "consent_status",
    "consent_source", "consent_form_url", "consent_ip", "consent_text_version",
    "consent_time", "first_touch_time", "first_touch_source", "first_touch_campaign",
    "first_touch_utm_source", "first_touch_utm_medium", "first_touch_utm_campaign",
    "last_touch_time", "last_touch_source", "last_touch_campaign", "last_touch_utm_source",
    "last_touch_utm_medium", "last_touch_utm_campaign", "touch_count", "merged_into_lead_id",
    "create_time", "update_time",
)


def lead_row(lead: leads_pb2.Lead) -> dict[str, Any]:
    """One lead as a flat record (the export's columns)."""
    row: dict[str, Any] = {
        "lead_id": lead.lead_id, "venture_id": lead.venture_id,
        "state": leads_pb2.LeadState.Name(lead.state).removeprefix("LEAD_STATE_").lower(),
        "identity_hash": lead.identity_hash,
        "consent_status": leads_pb2.ConsentStatus.Name(lead.consent_status)
        .removeprefix("CONSENT_STATUS_").lower(),
        "touch_count": lead.touch_count, "merged_into_lead_id": lead.merged_into_lead_id,
        "create_time": _time(lead.create_time, lead.HasField("create_time")),
        "update_time": _time(lead.update_time, lead.HasField("update_time")),
    }
    for name in ("email", "phone", "linkedin_url", "name", "first_name", "company", "title",
                 "industry", "company_size"):
        row[name] = getattr(lead, name)
    evidence = lead.consent_evidence
    row.update({
        "consent_source": evidence.source, "consent_form_url": evidence.form_url,
        "consent_ip": evidence.ip_address,
        "consent_text_version": evidence.consent_text_version,
        "consent_time": _time(evidence.consent_time, evidence.HasField("consent_time")),
    })
    for which in ("first_touch", "last_touch"):
        touch = getattr(lead, which)
        present = lead.HasField(which)
        row.update({
            f"{which}_time": _time(touch.touch_time, present and touch.HasField("touch_time")),
            f"{which}_source": touch.source_channel if present else "",
            f"{which}_campaign": touch.campaign_id if present else "",
            f"{which}_utm_source": touch.utm.source if present else "",
            f"{which}_utm_medium": touch.utm.medium if present else "",
            f"{which}_utm_campaign": touch.utm.campaign if present else "",
        })
    return row


def channel_word(value: int) -> str:
    try:
        return common_pb2.Channel.Name(value).removeprefix("CHANNEL_").lower()
    except ValueError:
        return str(value)
