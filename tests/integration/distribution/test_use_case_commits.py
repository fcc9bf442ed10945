"""Distribution's use cases write through the one unit of work, on a real database (SQLite and
PostgreSQL): a change commits with its audit event and then wakes the relay once; a refused
call commits nothing and wakes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from aicmo_common.access import Caller
from aicmo_common.auth import Principal, Role
from aicmo_common.db import Database
from aicmo_common.errors import InvalidArgument, NotFound
from aicmo_distribution.adapters.tables import audit_outbox
from aicmo_distribution.domain.templates import MessageContent
from aicmo_distribution.service_layer import templates
from aicmo_distribution.service_layer.deps import Deps, SendSettings

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OPERATOR = Caller(Principal("op@test", Role.OPERATOR), "req-1")
CONTENT = MessageContent("Hi {{ lead.first_name }}", "Hello {{ lead.first_name }}.\n", "")


class Wakes:
    """Counts how often the relay was woken."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def deps_over(database: Database, wakes: Wakes) -> Deps:
    return Deps(db=database, venture=None, leads=None, channels=None, unsubscribe=None,
                clock=lambda: NOW, settings=SendSettings(), replica="me", on_change=wakes)


async def audit_rows(database: Database) -> int:
    return await database.run_read(lambda session: session.execute(
        select(func.count()).select_from(audit_outbox)).scalar_one())


async def test_a_change_commits_with_its_audit_event_then_wakes_the_relay(database):
    wakes = Wakes()
    deps = deps_over(database, wakes)

    created = await templates.create_template(
        deps, venture_id="acme", name="Intro", channel="EMAIL", content=CONTENT,
        request_id="r-1", caller=OPERATOR)
    assert (wakes.count, await audit_rows(database)) == (1, 1)

    updated = await templates.update_template(
        deps, template_id=created.id, name="Intro 2", content=CONTENT, mask=["name"],
        caller=OPERATOR)
    assert updated.revision == 2 and updated.name == "Intro 2"
    assert (wakes.count, await audit_rows(database)) == (2, 2)
    # Reads wake nothing.
    assert (await templates.get_template(deps, created.id, OPERATOR)).id == created.id
    assert wakes.count == 2


async def test_a_refused_call_commits_nothing_and_wakes_nothing(database):
    wakes = Wakes()
    deps = deps_over(database, wakes)

    with pytest.raises(InvalidArgument):
        await templates.create_template(deps, venture_id="acme", name="", channel="EMAIL",
                                        content=CONTENT, request_id="", caller=OPERATOR)
    scoped = Caller(Principal("op@test", Role.OPERATOR, venture="globex"))
    with pytest.raises(NotFound):
        await templates.create_template(deps, venture_id="acme", name="Intro",
                                        channel="EMAIL", content=CONTENT, request_id="",
                                        caller=scoped)
    assert (wakes.count, await audit_rows(database)) == (0, 0)
