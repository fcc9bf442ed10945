"""A signed webhook for SMS, LinkedIn and other providers: HTTP POST of a JSON body.

The receiver verifies ``X-Aicmo-Signature: v1=<hex HMAC-SHA256 over "<timestamp>.<body>">``
with the shared AICMO_WEBHOOK_SECRET and rejects stale ``X-Aicmo-Timestamp`` values, which
stops replays. ``Idempotency-Key`` carries the send id so a provider can drop a redelivery
after a timeout. 2xx is sent, 4xx a permanent refusal, 5xx and timeouts transient (the send
path retries them with backoff up to a cap).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from aicmo_common.signed_body import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from aicmo_distribution.domain.delivery import (
    OPEN,
    DeliveryResult,
    DeliveryStatus,
    Handoff,
    OutboundMessage,
    withheld,
    withheld_result,
)


@dataclass(frozen=True)
class WebhookSettings:
    """Where to post (AICMO_WEBHOOK_URL) and the signing key (AICMO_WEBHOOK_SECRET)."""

    url: str
    secret: str
    timeout_seconds: float = 10.0


def payload_for(message: OutboundMessage) -> dict:
    return {
        "send_id": message.send_id,
        "channel": message.channel,
        "campaign_id": message.campaign_id,
        "venture_id": message.venture_id,
        "lead_id": message.lead_id,
        "step": message.step,
        "to": message.to_address,
        "from": {"address": message.from_address, "name": message.from_name},
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "unsubscribe_url": message.unsubscribe_url,
        "postal_address": message.postal_address,
    }


class WebhookChannel:
    """Posts each message to the provider's URL; one HTTP client, connections reused."""

    name = "webhook"
    # deliver opens handoff.content() right before the content starts.
    opens_content = True

    def __init__(self, settings: WebhookSettings, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=settings.timeout_seconds)

    async def deliver(self, message: OutboundMessage, handoff: Handoff | None = None
                      ) -> DeliveryResult:
        stopped = await withheld(handoff)
        if stopped is not None:
            return stopped
        body = json.dumps(payload_for(message), separators=(",", ":"),
                          sort_keys=True).encode("utf-8")
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._settings.secret, timestamp, body),
            "Idempotency-Key": message.send_id,
        }
        try:
            # The request (and its body) starts only if this replica's kill switches allow
            # it, looked at right now.
            async with (handoff or OPEN).content() as reasons:
                if reasons:
                    return withheld_result(reasons, "the request")
                response = await self._client.post(self._settings.url, content=body,
                                                   headers=headers)
        except httpx.TimeoutException:
            return DeliveryResult(DeliveryStatus.TRANSIENT, detail="the webhook timed out")
        except httpx.HTTPError as error:
            return DeliveryResult(DeliveryStatus.TRANSIENT,
                                  detail=f"the webhook failed: {type(error).__name__}")
        code = response.status_code
        if 200 <= code < 300:
            provider_id = ""
            try:
                answer = response.json()
                if isinstance(answer, dict):
                    provider_id = str(answer.get("message_id") or answer.get("id") or "")
            except ValueError:
                provider_id = ""
            return DeliveryResult(DeliveryStatus.SENT, provider_message_id=provider_id,
                                  detail=f"accepted: HTTP {code}")
        if 400 <= code < 500:
            return DeliveryResult(DeliveryStatus.PERMANENT, detail=f"refused: HTTP {code}")
        return DeliveryResult(DeliveryStatus.TRANSIENT, detail=f"failed: HTTP {code}")

    async def close(self) -> None:
        await self._client.aclose()
