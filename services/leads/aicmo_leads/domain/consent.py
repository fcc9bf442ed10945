"""Consent: what a person agreed to, the evidence behind it, and how it may change.

An opt-out is forever unless the person opts in again with evidence: a capture can make a
lead more restrictive but never less, and only an explicit re-consent with evidence lifts DNC.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class ConsentStatus(enum.StrEnum):
    """A person's consent, from least to most restrictive: CONSENTED, UNKNOWN, DNC."""

    UNKNOWN = "unknown"
    CONSENTED = "consented"
    DNC = "dnc"


# Higher is more restrictive; a merge keeps the most restrictive of the two.
_RESTRICTIVENESS = {ConsentStatus.CONSENTED: 0, ConsentStatus.UNKNOWN: 1, ConsentStatus.DNC: 2}


def most_restrictive(*statuses: ConsentStatus) -> ConsentStatus:
    """The most restrictive of ``statuses`` (DNC over UNKNOWN over CONSENTED)."""
    return max(statuses, key=_RESTRICTIVENESS.__getitem__)


class ConsentSource(enum.StrEnum):
    """What made a consent change, as the ledger records it."""

    CAPTURE = "capture"
    IMPORT = "import"
    UPDATE_CONSENT = "update_consent"
    MARK_DNC = "mark_dnc"
    SUPPRESSION = "suppression"
    MERGE = "merge"
    ERASURE = "erasure"


@dataclass(frozen=True)
class ConsentEvidence:
    """The proof behind a consent status. ``ip_address`` is personal data: erasure drops it."""

    source: str = ""
    form_url: str = ""
    ip_address: str = ""
    consent_text_version: str = ""
    consent_time: dt.datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.source or self.form_url or self.ip_address
                    or self.consent_text_version or self.consent_time)

    @property
    def sufficient_for_consent(self) -> bool:
        """Consent needs a source and something that pins down what was agreed to, where."""
        return bool(self.source) and bool(self.form_url or self.ip_address
                                          or self.consent_text_version)

    def to_json(self) -> dict[str, str]:
        return {
            "source": self.source,
            "form_url": self.form_url,
            "ip_address": self.ip_address,
            "consent_text_version": self.consent_text_version,
            "consent_time": self.consent_time.isoformat() if self.consent_time else "",
        }

    @classmethod
    def from_json(cls, data: dict | None) -> ConsentEvidence | None:
        if not data:
            return None
        moment = data.get("consent_time") or ""
        return cls(source=data.get("source", ""), form_url=data.get("form_url", ""),
                   ip_address=data.get("ip_address", ""),
                   consent_text_version=data.get("consent_text_version", ""),
                   consent_time=dt.datetime.fromisoformat(moment) if moment else None)


def consent_after_capture(current: ConsentStatus, captured: ConsentStatus,
                          suppressed: bool) -> ConsentStatus:
    """The consent of a lead after a capture carrying ``captured``.

    DNC (held, captured, or from the suppression list) always wins. A capture's CONSENTED
    (which validation only lets through with evidence) upgrades UNKNOWN. UNKNOWN in a capture
    is the absence of news, so it never downgrades CONSENTED.
    """
    if suppressed or ConsentStatus.DNC in (current, captured):
        return ConsentStatus.DNC
    if ConsentStatus.CONSENTED in (current, captured):
        return ConsentStatus.CONSENTED
    return ConsentStatus.UNKNOWN


class ConsentChangeRefused(ValueError):
    """An explicit consent change the rules do not allow; ``reason`` is the stable reason."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_explicit_change(current: ConsentStatus, target: ConsentStatus,
                          evidence: ConsentEvidence | None) -> None:
    """Refuses what UpdateConsent may not do: CONSENTED without evidence, and DNC back to
    UNKNOWN (DNC is left only by an opt-in with evidence)."""
    if target is ConsentStatus.CONSENTED and (evidence is None
                                              or not evidence.sufficient_for_consent):
        raise ConsentChangeRefused(
            "a change to CONSENTED needs evidence: a source and at least one of form_url, "
            "ip_address or consent_text_version", "EVIDENCE_REQUIRED")
    if current is ConsentStatus.DNC and target is ConsentStatus.UNKNOWN:
        raise ConsentChangeRefused("DNC can only be lifted by a re-consent with evidence "
                                   "(CONSENTED)", "INVALID_TRANSITION")
