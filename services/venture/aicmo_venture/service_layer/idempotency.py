"""Client request ids: a retried mutation returns the first outcome and does nothing twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aicmo_common.errors import FailedPrecondition
from aicmo_venture.adapters.repository import StoredRequest, VentureRepository
from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import Violations


@dataclass(frozen=True)
class RequestKey:
    """A request id with what it was used for: the method and a fingerprint of the call
    (parameters and caller), so a reuse with anything different is refused."""

    request_id: str
    method: str
    fingerprint: str


def replayed(repo: VentureRepository, key: RequestKey | None) -> str | None:
    """The resource id the first call with this request id acted on, or None if new."""
    if key is None or not key.request_id:
        return None
    stored = repo.find_request(key.request_id)
    if stored is None:
        return None
    if stored.method != key.method or stored.fingerprint != key.fingerprint:
        raise FailedPrecondition(
            "this request_id was already used for a different call",
            reason="REQUEST_ID_REUSED",
            metadata={"request_id": key.request_id[:128], "first_method": stored.method})
    return stored.resource_id


def remember(repo: VentureRepository, key: RequestKey | None, resource_id: str,
             at: dt.datetime) -> None:
    if key is None or not key.request_id:
        return
    repo.add_request(StoredRequest(key.request_id, key.method, key.fingerprint, resource_id),
                     at)


def check_request(errors: Violations, key: RequestKey | None) -> None:
    if key is not None:
        validation.check_id(errors, "request_id", key.request_id, required=False)
