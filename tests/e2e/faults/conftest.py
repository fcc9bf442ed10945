"""The whole stack as real processes (``tests.support.stack.ProcessStack``), for fault tests
that SIGKILL and restart services, and a real SMTP server (port 0) in the test process that
records every message at the moment its DATA arrives and can hold one on demand.

Service databases are SQLite files in the test's directory, or (indirect parameter
``"postgresql"`` of ``database_urls``) one fresh PostgreSQL database per service.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.mailbox import Mailbox, smtp_server
from tests.support.stack import ProcessStack, service_databases


@pytest.fixture
async def smtp() -> tuple[Mailbox, int]:
    mailbox = Mailbox()
    async with smtp_server(mailbox, hostname="fault-smtp") as port:
        yield mailbox, port


@pytest.fixture
def database_urls(request, tmp_path) -> Iterator[dict[str, str]]:
    """One database per service: SQLite files by default; with the indirect parameter
    ``"postgresql"``, fresh PostgreSQL databases dropped afterwards (skipped when none
    answers)."""
    with service_databases(getattr(request, "param", "sqlite"), tmp_path / "stack") as urls:
        yield urls


@pytest.fixture
async def stack(tmp_path, database_urls, smtp, signer) -> ProcessStack:
    mailbox, smtp_port = smtp
    async with ProcessStack.running(tmp_path / "stack", database_urls, mailbox, smtp_port,
                                    signer) as running:
        yield running
