"""`aicmo leads import` traps, through the real leads service: ambiguous consent words are
refused with the row named, rejected rows make the exit code non-zero unless a partial import
is accepted, the summary's suppressed count is what happened, and --help says it all."""

from __future__ import annotations

import json
import re

import pytest

from aicmo_gateway import lead_rows

pytestmark = pytest.mark.needs("venture", "leads")


def test_no_is_refused_not_read_as_do_not_contact(aicmo, campaign, tmp_path):
    venture_id, campaign_id = campaign
    source = tmp_path / "crm.csv"
    source.write_text("email,consent,Consent text version\n"
                      "yes@example.com,yes,v1\n"
                      "no@example.com,no,\n"
                      "out@example.com,opt-out,\n"
                      "unsub@example.com,unsubscribed,\n"
                      "blank@example.com,,\n", encoding="utf-8")
    args = ("leads", "import", str(source), "--venture", venture_id, "--campaign", campaign_id)
    result = aicmo("--output", "json", *args)
    assert result.code == 2, result.stderr
    assert "1 of 5 row(s) rejected (line 3)" in result.stderr
    report = json.loads(result.stdout)
    assert (report["created"], report["rejected"], report["rejected_lines"]) == (4, 1, [3])
    # Two people asked not to be contacted in the file: both are counted, truthfully.
    assert (report["suppressed"], report["marked_dnc"]) == (2, 2)
    rejected = (tmp_path / "crm.rejected.csv").read_text(encoding="utf-8")
    assert "no@example.com" in rejected and "ambiguous" in rejected

    listed = {lead["email"]: lead["consent_status"]
              for lead in aicmo.json("leads", "list", "--campaign", campaign_id)}
    assert listed == {"yes@example.com": "consented", "out@example.com": "dnc",
                      "unsub@example.com": "dnc", "blank@example.com": "unknown"}

    # The same file again, partial import accepted: exit 0; the DNC people are matched and
    # still counted as suppressed (the service's suppression list now answers for them).
    again = aicmo("--output", "json", *args, "--allow-partial")
    assert again.code == 0, again.stderr
    second = json.loads(again.stdout)
    assert (second["matched"], second["rejected"], second["suppressed"]) == (4, 1, 2)


def test_a_clean_import_exits_0_and_a_refused_one_names_every_line(aicmo, campaign, tmp_path):
    venture_id, campaign_id = campaign
    clean = tmp_path / "clean.csv"
    clean.write_text("E-mail,Full Name\na@example.com,A\n", encoding="utf-8")
    done = aicmo("--output", "json", "leads", "import", str(clean), "--venture", venture_id,
                 "--campaign", campaign_id)
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["rejected_file"] is None
    assert not (tmp_path / "clean.rejected.csv").exists()

    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnot-an-email\nalso-not\n", encoding="utf-8")
    refused = aicmo.script("leads", "import", str(bad), "--venture", venture_id)
    assert refused.code == 2, refused.stderr
    assert "2 of 2 row(s) rejected (lines 2, 3)" in refused.stderr


def test_help_lists_the_headings_the_consent_words_and_the_rejected_file(aicmo, campaign,
                                                                          tmp_path):
    shown = aicmo.script("leads", "import", "--help", env={"COLUMNS": "200"})
    assert shown.code == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    for field, names in lead_rows.understood_headings().items():
        assert field in text
        for name in names:
            assert repr(name) in text or field in lead_rows.CONSENT_EVIDENCE_FIELDS, name
    for field in lead_rows.CONSENT_EVIDENCE_FIELDS:
        assert field in text
    for word in (*lead_rows.DNC_WORDS, *lead_rows.CONSENTED_WORDS):
        assert word in text
    assert "--allow-partial" in text and "exits 2" in text

    # The name the help gives (people.csv: people.rejected.csv) is the name written.
    example = re.search(r"\((\w+)\.csv: (\w+\.rejected\.csv)\)", text)
    assert example, text
    venture_id, campaign_id = campaign
    source = tmp_path / f"{example.group(1)}.csv"
    source.write_text("email\nbroken\n", encoding="utf-8")
    result = aicmo("leads", "import", str(source), "--venture", venture_id, "--allow-partial")
    assert result.code == 0, result.stderr
    assert (tmp_path / example.group(2)).exists()
