"""Real venture, leads and distribution servers on port 0 in the test's event loop, talking
real gRPC, and a real SMTP server on port 0 that keeps every message it receives
(``tests.support.stack.ServerStack``).

Venture and leads run on SQLite files; distribution runs on the ``database_url`` fixture
(SQLite, then PostgreSQL). A forwarding proxy (``tests.support.proxy.Proxy``) can sit between
distribution and venture or leads to make them slow, failing or unreachable.
"""

from __future__ import annotations

import pytest

from tests.support.mailbox import Mailbox, smtp_server
from tests.support.stack import ServerStack


@pytest.fixture
async def stack(tmp_path, database_url, signer):
    inbox = Mailbox()
    async with smtp_server(inbox) as smtp_port, ServerStack.running(
            tmp_path, database_url, inbox, smtp_port, signer) as running:
        yield running
