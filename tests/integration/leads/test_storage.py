"""The leads schema and use cases on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from aicmo_common.actor import Actor
from aicmo_leads.adapters import tables
from aicmo_leads.bootstrap import MIGRATIONS, VERSION_TABLE
from aicmo_leads.domain.capture import RawCapture, validate_capture
from aicmo_leads.domain.consent import ConsentSource
from aicmo_leads.domain.lead import CaptureOutcome
from aicmo_leads.service_layer.capture import CaptureCall, capture_lead

CALL = CaptureCall(actor=Actor("ops@test", "operator"), source=ConsentSource.CAPTURE)


def _capture(database, settings, **fields):
    fields.setdefault("venture_id", "acme")
    capture, problems = validate_capture(RawCapture(**fields), now=settings.now(),
                                         default_region="US", default_source_channel="api")
    assert not problems
    return database.transact(capture_lead, capture, CALL, settings)


def test_migrations_build_exactly_the_declared_schema(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, tables.metadata) == []
        assert VERSION_TABLE in inspect(connection).get_table_names()
    # Running them again is a no-op.
    database.migrate(MIGRATIONS, VERSION_TABLE)


def test_concurrent_captures_in_threads_make_one_lead(database, settings):
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(
            lambda i: _capture(database, settings, email="same@example.com",
                               phone="+14155552671" if i % 2 else ""), range(16)))
    assert len({answer.result.lead_id for answer in answers}) == 1
    assert [a.result.outcome for a in answers].count(CaptureOutcome.CREATED) == 1
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(tables.leads)) == 1
        assert connection.scalar(select(func.count()).select_from(tables.touches)) == 16


def test_a_chain_of_merges_points_every_merged_lead_at_the_survivor(database, settings):
    oldest = _capture(database, settings, email="x@example.com").result.lead_id
    middle = _capture(database, settings, email="a@example.com").result.lead_id
    newest = _capture(database, settings, phone="+14155552671").result.lead_id
    first = _capture(database, settings, email="a@example.com", phone="+14155552671")
    assert first.result.merged_lead_ids == (newest,)
    second = _capture(database, settings, email="x@example.com",
                      linkedin_url="linkedin.com/in/xavier",
                      phone="+14155552671")
    assert second.result.lead_id == oldest
    assert second.result.merged_lead_ids == (middle,)
    assert second.lead.touch_count == 5
    with database.engine.connect() as connection:
        pointers = {row.id: row.merged_into for row in connection.execute(
            select(tables.leads.c.id, tables.leads.c.merged_into))}
        identifiers = set(connection.scalars(select(tables.lead_identifiers.c.lead_id)))
    assert pointers == {oldest: None, middle: oldest, newest: oldest}
    assert identifiers == {oldest}
