"""ImportLeads: one result per row, with the same rules as a capture."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo_leads.domain.identifiers import IdentifierKind


def _row(number: int, **fields) -> pb.ImportLeadsRequest:
    fields.setdefault("venture_id", "acme")
    return pb.ImportLeadsRequest(row_number=number, capture=pb.LeadCapture(**fields))


async def _run(leads, rows, token=None) -> tuple[list[pb.ImportRowResult], pb.ImportSummary]:
    async def stream():
        for row in rows:
            yield row

    results, summary = [], None
    async for answer in leads.stub.ImportLeads(stream(), metadata=leads.auth(token)):
        results.extend(answer.results)
        if answer.HasField("summary"):
            summary = answer.summary
    return results, summary


async def test_an_import_of_good_duplicate_and_bad_rows_reports_each_row(leads):
    existing = await leads.capture(email="known@example.com")
    rows = [
        _row(2, email="new.one@example.com", name="New One", campaign_id="import-1"),
        _row(3, email="NEW.ONE@example.com", phone="+1 415 555 2671"),  # same as row 2
        _row(4, email="not-an-email", phone="12"),
        _row(5, email="Known@Example.com"),  # an existing lead
        _row(6, linkedin_url="https://example.com/in/nobody", name="x" * 500),
        _row(7),  # no identifier at all
        _row(8, phone="+44 20 7946 0958", venture_id="bad venture!"),
        _row(9, linkedin_url="https://de.linkedin.com/in/Max-Muster?trk=x"),
    ]
    results, summary = await _run(leads, rows)
    by_row = {result.row_number: result for result in results}
    assert [result.row_number for result in results] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert by_row[2].outcome == pb.CAPTURE_OUTCOME_CREATED
    assert by_row[3].outcome == pb.CAPTURE_OUTCOME_MATCHED
    assert by_row[3].lead_id == by_row[2].lead_id
    assert by_row[3].matched_on == pb.IDENTIFIER_KIND_EMAIL
    assert by_row[5].outcome == pb.CAPTURE_OUTCOME_MATCHED
    assert by_row[5].lead_id == existing.lead.lead_id
    assert by_row[9].outcome == pb.CAPTURE_OUTCOME_CREATED
    rejected = {number: sorted(v.field for v in by_row[number].violations)
                for number in (4, 6, 7, 8)}
    assert all(by_row[number].outcome == pb.CAPTURE_OUTCOME_REJECTED for number in rejected)
    assert rejected == {4: ["email", "phone"], 6: ["linkedin_url", "name"], 7: ["email"],
                        8: ["venture_id"]}
    assert all(by_row[number].lead_id == "" for number in rejected)
    assert (summary.rows, summary.created, summary.matched, summary.rejected) == (8, 2, 2, 4)
    assert leads.count("leads") == 3
    lead = await leads.stub.GetLead(pb.GetLeadRequest(lead_id=by_row[2].lead_id),
                                    metadata=leads.auth())
    assert lead.lead.touch_count == 2 and lead.lead.first_touch.source_channel == "import"
    assert lead.lead.phone == "+14155552671"
    actions = [row["action"] for row in leads.rows("audit_outbox")]
    assert actions.count("import.completed") == 1


async def test_a_large_import_streams_results_in_batches_and_numbers_rows(leads):
    rows = [pb.ImportLeadsRequest(capture=pb.LeadCapture(
        venture_id="acme", email=f"bulk{index % 450}@example.com"))
        for index in range(500)]
    batches = []

    async def stream():
        for row in rows:
            yield row

    async for answer in leads.stub.ImportLeads(stream(), metadata=leads.auth()):
        batches.append(answer)
    results = [r for answer in batches for r in answer.results]
    assert len(batches) == 4  # three batches of at most 200 rows, then the summary
    assert [r.row_number for r in results] == list(range(1, 501))
    assert sum(r.outcome == pb.CAPTURE_OUTCOME_CREATED for r in results) == 450
    assert batches[-1].summary.matched == 50
    assert leads.count("leads") == 450


async def test_a_venture_scoped_import_rejects_rows_of_other_ventures(leads):
    rows = [_row(1, email="mine@example.com", venture_id=""),
            _row(2, email="theirs@example.com", venture_id="globex")]
    results, summary = await _run(leads, rows, leads.tokens.acme_operator)
    assert [r.outcome for r in results] == [pb.CAPTURE_OUTCOME_CREATED,
                                            pb.CAPTURE_OUTCOME_REJECTED]
    assert [v.field for v in results[1].violations] == ["venture_id"]
    assert summary.rejected == 1


class _Deadlock(Exception):
    """What psycopg raises for PostgreSQL's "deadlock detected"."""

    sqlstate = "40P01"


def _deadlock_detected() -> OperationalError:
    # The store's statements reach the driver through SQLAlchemy, which wraps its errors.
    return OperationalError("UPDATE leads SET ...", {}, _Deadlock("deadlock detected"))


async def test_a_row_that_loses_a_deadlock_in_its_batch_is_imported_alone(leads, monkeypatch):
    if leads.database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer and no deadlocks")
    from aicmo_leads.service_layer import capture as capturing
    from aicmo_leads.service_layer.unit import SHARED_TRANSACTION

    real = capturing._capture_once
    shared_attempts = []

    def deadlocking(store, capture, call, settings):
        if capture.identifier(IdentifierKind.EMAIL) == "victim@example.com":
            shared = store.session.info.get(SHARED_TRANSACTION, False)
            shared_attempts.append(shared)
            if shared:
                # As PostgreSQL does: the statement fails after the row's writes began.
                real(store, capture, call, settings)
                raise _deadlock_detected()
        return real(store, capture, call, settings)

    monkeypatch.setattr(capturing, "_capture_once", deadlocking)
    rows = [_row(1, email="before@example.com"), _row(2, email="victim@example.com"),
            _row(3, email="after@example.com"), _row(4, email="VICTIM@example.com")]
    results, summary = await _run(leads, rows)
    assert [r.outcome for r in results] == [pb.CAPTURE_OUTCOME_CREATED,
                                            pb.CAPTURE_OUTCOME_CREATED,
                                            pb.CAPTURE_OUTCOME_CREATED,
                                            pb.CAPTURE_OUTCOME_MATCHED]
    assert results[3].lead_id == results[1].lead_id
    # Rows 2 and 4 each once in the shared batch (undone), then each alone after the batch
    # committed, in row order: row 4 matches the lead row 2 made.
    assert shared_attempts == [True, True, False, False]
    assert (summary.rows, summary.created, summary.matched) == (4, 3, 1)
    assert leads.count("leads") == 3
    assert leads.count("touches") == 4
    assert leads.count("lead_identifiers") == 3
