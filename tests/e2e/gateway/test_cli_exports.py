"""Every CSV the CLI writes, through the real services: no cell is a spreadsheet formula, and
an export of a campaign the token cannot see is NOT_FOUND (exit 3) with no file left behind."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.gateway.cli_runner import unique

pytestmark = pytest.mark.needs("venture", "leads")

FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'
FORMULA_COMPANY = "@SUM(1+1)"
PHONE = "+49 30 1234567"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def no_formula_cells(path: Path) -> None:
    """No cell of the file would start a formula in a spreadsheet."""
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (path, value)
                assert not value.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", value)


def submit_form(edge_url: str, campaign_id: str, email: str) -> None:
    with httpx.Client(timeout=10) as client:
        page = client.get(f"{edge_url}/f/{campaign_id}")
        assert page.status_code == 200, page.text
        version = re.search(r'name="consent_text_version" value="([^"]+)"', page.text)
        posted = client.post(f"{edge_url}/f/{campaign_id}", data={
            "name": FORMULA_NAME, "email": email, "phone": PHONE, "company": FORMULA_COMPANY,
            "consent": "yes", "consent_text_version": version.group(1) if version else "",
            "website": ""})
        assert posted.status_code == 200, posted.text


def test_leads_export_neutralises_formulas_from_a_form_and_the_cli(stack, aicmo, campaign,
                                                                   tmp_path):
    venture_id, campaign_id = campaign
    if stack.has_edge:
        submit_form(stack.values["AICMO_EDGE_URL"], campaign_id, "form@example.com")
    aicmo.json("leads", "capture", "--venture", venture_id, "--campaign", campaign_id,
               "--email", "cli@example.com", "--name", FORMULA_NAME, "--company",
               FORMULA_COMPANY, "--phone", "+49 30 7654321", "--title=-12.50")

    out = tmp_path / "leads.csv"
    assert aicmo.json("leads", "export", campaign_id, "--out", str(out))["leads"] \
        == (2 if stack.has_edge else 1)
    rows = read_rows(out)
    assert {r["name"] for r in rows} == {"'" + FORMULA_NAME}
    assert {r["company"] for r in rows} == {"'" + FORMULA_COMPANY}
    # The phone (E.164 after capture) stays readable: text with its plus, shown as such.
    assert {r["phone"] for r in rows} == ({"'+49301234567"} if stack.has_edge else set()) \
        | {"'+49307654321"}
    cli_row = next(r for r in rows if r["email"] == "cli@example.com")
    assert cli_row["title"] == "-12.50"  # a plain negative number is left a number
    no_formula_cells(out)

    stdout = aicmo("leads", "export", campaign_id, "--out", "-")
    assert stdout.code == 0
    assert "'" + FORMULA_COMPANY in stdout.stdout and ",@SUM" not in stdout.stdout


def test_rejected_rows_file_neutralises_formulas_and_export_round_trips(aicmo, campaign,
                                                                        tmp_path):
    venture_id, campaign_id = campaign
    source = tmp_path / "hostile.csv"
    source.write_text(
        "email,name,company,=cmd|' /C calc'!A0\n"
        f'ok@example.com,"{FORMULA_NAME.replace(chr(34), chr(34) * 2)}",{FORMULA_COMPANY},x\n'
        f'not-an-email,"{FORMULA_NAME.replace(chr(34), chr(34) * 2)}",{FORMULA_COMPANY},+1\n',
        encoding="utf-8")
    result = aicmo("--output", "json", "leads", "import", str(source), "--venture", venture_id,
                   "--campaign", campaign_id, "--allow-partial")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["created"], report["rejected"]) == (1, 1)
    rejected = Path(report["rejected_file"])
    assert rejected == tmp_path / "hostile.rejected.csv"
    rows = read_rows(rejected)
    assert rows[0]["name"] == "'" + FORMULA_NAME and rows[0]["company"] == "'" + FORMULA_COMPANY
    assert "'=cmd|' /C calc'!A0" in rows[0]  # a hostile heading too
    no_formula_cells(rejected)

    # The export, imported again, gives the same name back (the marker is taken off).
    exported = tmp_path / "again.csv"
    aicmo.json("leads", "export", campaign_id, "--out", str(exported))
    again = aicmo("--output", "json", "leads", "import", str(exported), "--venture",
                  venture_id, "--campaign", campaign_id)
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["matched"] == 1
    listed = aicmo.json("leads", "list", "--campaign", campaign_id)
    assert [lead["name"] for lead in listed] == [FORMULA_NAME]


def test_report_and_audit_csvs_are_neutralised(stack, aicmo, campaign, tmp_path):
    stack.require("distribution", "audit")
    venture_id, campaign_id = campaign
    aicmo.json("leads", "capture", "--venture", venture_id, "--campaign", campaign_id,
               "--email", "r@example.com", "--name", FORMULA_NAME, "--company",
               FORMULA_COMPANY)
    aicmo.json("campaign", "start", campaign_id, "--reason", "=1+1")
    written = aicmo.json("report", "generate", campaign_id, "--format", "csv", "--out",
                         str(tmp_path / "reports"))
    leads = Path(written["files"]["leads"])
    assert read_rows(leads)[0]["name"] == "'" + FORMULA_NAME
    for path in written["files"].values():
        no_formula_cells(Path(path))

    audit = tmp_path / "audit.csv"
    aicmo.json("audit", "export", "--venture", venture_id, "--out", str(audit))
    no_formula_cells(audit)


def test_exports_of_an_unknown_or_foreign_campaign_are_not_found(stack, aicmo, campaign,
                                                                 tmp_path):
    venture_id, campaign_id = campaign
    aicmo.json("leads", "capture", "--venture", venture_id, "--campaign", campaign_id,
               "--email", "mine@example.com")
    other = unique("other")
    aicmo.json("venture", "create", other, "--name", "Other", "--channel", "email",
               "--owner", "owner@other.test")
    issued = aicmo.script("token", "issue", "--role", "operator", "--venture", other,
                          "--ttl", "5m")
    assert issued.code == 0, issued.stderr
    scoped = issued.stdout.strip()

    for token, target in ((None, "no-such-campaign"), (scoped, campaign_id)):
        prefix = ("--token", token) if token else ()
        shown = aicmo(*prefix, "campaign", "show", target)
        assert shown.code == 3 and "NOT_FOUND" in shown.stderr, shown.stderr

        out = tmp_path / f"export-{target}.csv"
        exported = aicmo(*prefix, "leads", "export", target, "--out", str(out))
        assert exported.code == 3 and "NOT_FOUND" in exported.stderr, exported.stderr
        assert not out.exists()
        assert list(tmp_path.glob(".*partial")) == []

        default = aicmo(*prefix, "leads", "export", target)  # default file name
        assert default.code == 3
        assert not (stack.root / f"leads-{target}.csv").exists()

        to_stdout = aicmo(*prefix, "leads", "export", target, "--out", "-")
        assert to_stdout.code == 3 and to_stdout.stdout == ""

        if "distribution" in stack.services and "audit" in stack.services:
            reports = tmp_path / f"reports-{target}"
            report = aicmo(*prefix, "report", "generate", target, "--format", "all",
                           "--out", str(reports))
            assert report.code == 3 and "NOT_FOUND" in report.stderr, report.stderr
            assert not reports.exists()

    # The scoped token still exports its own venture's campaign.
    own = aicmo.json("--token", scoped, "campaign", "create", "--venture", other, "--name",
                     "Own", "--channel", "email")["id"]
    out = tmp_path / "own.csv"
    assert aicmo.json("--token", scoped, "leads", "export", own, "--out", str(out))["leads"] == 0
    assert out.exists()
