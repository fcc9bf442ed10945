"""UpdateLead's field mask: which non-identity fields may change, and their checks.

Identifiers, consent and state are not in the mask on purpose: identifiers change only
through capture (where identity resolution sees them), consent only through the ledger.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from aicmo_leads.domain.capture import (
    CURRENCY,
    PROFILE_FIELDS,
    Qualification,
    validate_attributes,
    validate_qualification,
)
from aicmo_leads.domain.validation import SHORT_TEXT, Violations, check_text

QUALIFICATION_PATHS = {f"qualification.{name}" for name in Qualification.__dataclass_fields__
                       if name != "proposal_generated_at"} | {
                           "qualification.proposal_generate_time"}
UPDATABLE_PATHS = frozenset({*PROFILE_FIELDS, "value_estimate", "attributes",
                             "qualification", *QUALIFICATION_PATHS})


@dataclass(frozen=True)
class LeadChanges:
    """Validated changes: only the fields the mask named."""

    profile: dict[str, str] = field(default_factory=dict)
    value: tuple[str, int] | None = None
    attributes: dict[str, str] | None = None
    # None: qualification untouched; otherwise the fields to set (all of them for a whole
    # "qualification" path).
    qualification: dict[str, object] | None = None

    def applied_to(self, current: Qualification) -> Qualification:
        if self.qualification is None:
            return current
        values = {name: getattr(current, name) for name in Qualification.__dataclass_fields__}
        values.update(self.qualification)
        return Qualification(**values)


def validate_update(paths: list[str], *, profile: dict[str, str], value_currency: str,
                    value_amount_minor: int, attributes: dict[str, str],
                    qualification: Qualification, now: dt.datetime,
                    default_region: str) -> tuple[LeadChanges | None, Violations]:
    """Checks the mask and the values it names (field paths are prefixed ``lead.``)."""
    problems = Violations()
    unknown = [path for path in paths if path not in UPDATABLE_PATHS]
    if unknown or not paths:
        problems.add("update_mask", "must name at least one of: " + ", ".join(
            sorted(p for p in UPDATABLE_PATHS if not p.startswith("qualification."))) +
            ", qualification.<field>" + (f" (not {', '.join(sorted(unknown))[:200]})"
                                         if unknown else ""))
        return None, problems
    lead_problems = Violations("lead.")
    changes_profile = {name: check_text(lead_problems, name, profile.get(name, ""), SHORT_TEXT)
                       for name in PROFILE_FIELDS if name in paths}
    value = None
    if "value_estimate" in paths:
        if value_currency and not CURRENCY.match(value_currency):
            lead_problems.add("value_estimate.currency_code", "must be an ISO 4217 code")
        if value_amount_minor < 0:
            lead_problems.add("value_estimate.amount_minor", "must be zero or more")
        elif value_amount_minor > 0 and not value_currency:
            lead_problems.add("value_estimate.currency_code", "is required with an amount")
        value = (value_currency, value_amount_minor)
    new_attributes = (validate_attributes(lead_problems, "attributes", attributes)
                      if "attributes" in paths else None)
    new_qualification = None
    qualification_paths = [p for p in paths if p.startswith("qualification")]
    if qualification_paths:
        checked = validate_qualification(lead_problems, "qualification.", qualification, now,
                                         default_region=default_region)
        if "qualification" in paths:
            names = list(Qualification.__dataclass_fields__)
        else:
            names = ["proposal_generated_at" if p == "qualification.proposal_generate_time"
                     else p.split(".", 1)[1] for p in qualification_paths]
        new_qualification = {name: getattr(checked, name) for name in names}
    problems.items.extend(lead_problems.items)
    if problems:
        return None, problems
    return LeadChanges(profile=changes_profile, value=value, attributes=new_attributes,
                       qualification=new_qualification), problems
