"""The sample messages under tests/fixtures/inbound/mail and the secret their return paths
were signed with (a send id and domains the fixtures share)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aicmo_common import verp

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "inbound"
SECRET = "inbound-fixture-secret-0123456789abcdef"
DOMAIN = "in.aicmo.test"
MAIL_DOMAIN = "mail.aicmo.test"
SEND_ID = "3f1c2a9e-8b7d-4c6e-9a5f-1e2d3c4b5a69"
MESSAGE_ID = f"<{SEND_ID}@{MAIL_DOMAIN}>"
RECEIVED = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
BOUNCE = verp.return_path(SEND_ID, secret=SECRET, domain=DOMAIN)
REPLY = verp.reply_address(SEND_ID, secret=SECRET, domain=DOMAIN)
UNSUBSCRIBE = verp.unsubscribe_address(SEND_ID, secret=SECRET, domain=DOMAIN)


def sample(name: str) -> bytes:
    return (FIXTURES / "mail" / name).read_bytes()
