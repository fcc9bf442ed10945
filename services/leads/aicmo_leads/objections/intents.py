"""The intents a reply or a note can carry (mirrors aicmo.leads.v1.Objection)."""

from __future__ import annotations

import enum


class Intent(enum.StrEnum):
    """What a reply says."""

    INTERESTED = "interested"
    MEETING_REQUEST = "meeting_request"
    NOT_NOW = "not_now"
    PRICE = "price"
    AUTHORITY = "authority"
    NEED = "need"
    COMPETITOR = "competitor"
    UNSUBSCRIBE_REQUEST = "unsubscribe_request"
    OUT_OF_OFFICE = "out_of_office"
    OTHER = "other"
