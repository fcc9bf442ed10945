"""Spreadsheet-safe CSV cells, and every CSV writer of the product going through them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from aicmo.audit.v1 import audit_pb2
from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.leads.v1 import leads_pb2
from aicmo.venture.v1 import venture_pb2
from aicmo_gateway import csv_safe
from aicmo_gateway.commands.audit import write_export
from aicmo_gateway.reports.collect import CampaignFacts
from aicmo_gateway.reports.render import write_csvs

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(("value", "written"), [
    (HOSTILE, "'" + HOSTILE),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("+49 30 1234", "'+49 30 1234"),
    ("-2+3", "'-2+3"),
    ("-cmd", "'-cmd"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-12.50", "-12.50"),  # a plain negative number stays a number
    ("-7", "-7"),
    ("plain", "plain"),
    ("a=b", "a=b"),
    ("", ""),
    (-3, -3),
    (4, 4),
    (True, True),
])
def test_cells_that_would_start_a_formula_get_the_text_marker(value, written):
    assert csv_safe.cell(value) == written


@pytest.mark.parametrize("value", [HOSTILE, "@x", "+49 30 1234", "-12.50", "plain", "'quoted"])
def test_restore_undoes_cell(value):
    assert csv_safe.restore(str(csv_safe.cell(value))) == value


def test_dict_writer_neutralises_headings_and_rows():
    buffer = io.StringIO()
    writer = csv_safe.DictWriter(buffer, ["name", "=evil"])
    writer.writeheader()
    writer.writerow({"name": HOSTILE, "=evil": "@x"})
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["name", "'=evil"], ["'" + HOSTILE, "'@x"]]


def test_output_file_is_whole_or_absent(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), csv_safe.output_file(target) as handle:
        handle.write("half")
        raise RuntimeError("the service went away")
    assert list(tmp_path.iterdir()) == []
    with csv_safe.output_file(target) as handle:
        handle.write("whole\n")
    assert target.read_text() == "whole\n" and list(tmp_path.iterdir()) == [target]


class _FakeAudit:
    def __init__(self, entries):
        self.entries = entries

    def stream(self, method, request, **kwargs):
        assert method == "ExportEvents"
        yield audit_pb2.ExportEventsResponse(entries=self.entries)


def _hostile_entry() -> audit_pb2.AuditEntry:
    return audit_pb2.AuditEntry(sequence=1, hash="ab", event=audit_pb2.AuditEvent(
        id="e1", service="venture", entity_type="campaign", entity_id=HOSTILE,
        action="@campaign.started", actor="+admin"))


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [value for row in csv.reader(handle) for value in row]


def _assert_no_formula(cells: list[str]) -> None:
    for value in cells:
        assert not value.startswith(("=", "+", "@", "\t", "\r")), value
        assert not value.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", value), value


def test_audit_export_neutralises_every_cell(tmp_path):
    out = tmp_path / "audit.csv"
    assert write_export(_FakeAudit([_hostile_entry()]), audit_pb2.ExportEventsRequest(),
                        str(out)) == 1
    cells = _cells(out)
    assert "'" + HOSTILE in cells and "'@campaign.started" in cells and "'+admin" in cells
    _assert_no_formula(cells)


def test_report_csvs_neutralise_leads_sends_and_audit(tmp_path):
    facts = CampaignFacts(
        campaign=venture_pb2.Campaign(id="c1", venture_id="v1"),
        venture=venture_pb2.Venture(id="v1"),
        leads=[leads_pb2.Lead(lead_id="l1", name=HOSTILE, company="@SUM(1+1)",
                              phone="+4930123456")],
        contactable_ids={"l1"},
        sends=[dist_pb2.SendJob(id="s1", lead_id="l1", detail="=cmd|' /C calc'!A0",
                                template_id="-t")],
        verdicts=[], chain={"valid": True}, audit_entries=[_hostile_entry()])
    paths = write_csvs(facts, tmp_path)
    assert set(paths) == {"leads", "sends", "audit"}
    assert "'" + HOSTILE in _cells(paths["leads"]) and "'+4930123456" in _cells(paths["leads"])
    assert "'=cmd|' /C calc'!A0" in _cells(paths["sends"]) and "'-t" in _cells(paths["sends"])
    assert "'" + HOSTILE in _cells(paths["audit"])
    for path in paths.values():
        _assert_no_formula(_cells(path))


def test_every_csv_writer_of_the_product_uses_csv_safe():
    """One way of writing CSV: a writer made anywhere but csv_safe would skip the marker."""
    offenders = []
    for folder in ("gateway", "services", "common"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "csv_safe.py":
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"\bcsv\.(writer|DictWriter)\b", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
