"""`aicmo leads` against the real leads service: capture, import with a rejected-rows file,
list, show, export, dnc, consent, erase."""

from __future__ import annotations

import csv
import json

import pytest

pytestmark = pytest.mark.needs("venture", "leads")


def test_capture_matches_the_same_person_and_names_bad_fields(aicmo, campaign):
    venture_id, campaign_id = campaign
    first = aicmo.json("leads", "capture", "--venture", venture_id, "--campaign", campaign_id,
                       "--email", "Jane.Doe@Example.com", "--name", "Jane Doe", "--consent",
                       "consented", "--consent-source", "cli", "--consent-text-version", "v1",
                       "--utm", "source=newsletter")
    assert first["outcome"] == "created"
    lead = first["lead"]
    assert lead["email"] == "jane.doe@example.com" and lead["consent_status"] == "consented"

    again = aicmo.json("leads", "capture", "--venture", venture_id, "--email",
                       "jane.doe@example.com", "--phone", "+44 20 7946 0958")
    assert again["outcome"] == "matched"
    assert again["lead"]["lead_id"] == lead["lead_id"]
    assert again["lead"]["phone"] == "+442079460958"

    bad = aicmo("leads", "capture", "--venture", venture_id, "--email", "not-an-email",
                "--phone", "12")
    assert bad.code == 2 and "Traceback" not in bad.stderr
    assert "capture.email" in bad.stderr and "capture.phone" in bad.stderr

    shown = aicmo.json("leads", "show", lead["lead_id"], "--history")
    assert shown["lead"]["touch_count"] == 2
    assert [r["to_status"] for r in shown["consent_history"]][-1] == "consented"
    assert shown["touches"][0]["utm"]["source"] == "newsletter"


def test_import_reports_progress_and_writes_rejected_rows(aicmo, campaign, tmp_path):
    venture_id, campaign_id = campaign
    source = tmp_path / "people.csv"
    source.write_text(
        "E-mail,Full Name,Mobile,Consent,Consent text version,Favourite colour\n"
        "ann@example.com,Ann,,yes,2025-01,red\n"
        "bob@example.com,Bob,+14155550100,,,blue\n"
        "BOB@example.com,Bob B,,,,green\n"  # the same person in another form
        "not-an-email,Nobody,,,,grey\n"
        "carol@example.com,Carol,,perhaps,,pink\n",  # an unknown consent word
        encoding="utf-8")
    result = aicmo("--output", "json", "leads", "import", str(source), "--venture", venture_id,
                   "--campaign", campaign_id, "--map", "Favourite colour=attr:colour")
    # Rows were rejected: exit 2 (the others imported), the report still on stdout.
    assert result.code == 2, result.stderr
    assert "2 of 5 row(s) rejected (lines 5, 6)" in result.stderr
    assert "--allow-partial" in result.stderr
    report = json.loads(result.stdout)
    assert report["rejected_lines"] == [5, 6]
    assert report["rejected_file"] == str(tmp_path / "people.rejected.csv")
    assert (report["rows"], report["created"], report["matched"], report["rejected"]) \
        == (5, 2, 1, 2)
    with open(report["rejected_file"], newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert sorted(r["row"] for r in rejected) == ["5", "6"]  # file lines, heading is line 1
    reasons = {r["E-mail"]: r["reasons"] for r in rejected}
    assert "email" in reasons["not-an-email"]  # refused by the service, field named
    assert "consent_status" in reasons["carol@example.com"]  # refused before sending
    assert result.stdout.lstrip().startswith("{")  # the progress bar stays off stdout

    listed = aicmo.json("leads", "list", "--campaign", campaign_id)
    emails = sorted(lead["email"] for lead in listed)
    assert "ann@example.com" in emails and "bob@example.com" in emails
    bob = next(lead for lead in listed if lead["email"] == "bob@example.com")
    assert bob["attributes"].get("colour") in {"blue", "green"}
    ann = next(lead for lead in listed if lead["email"] == "ann@example.com")
    assert ann["consent_status"] == "consented"
    assert ann["consent_evidence"]["source"] == "import:people.csv"
    assert ann["consent_evidence"]["consent_text_version"] == "2025-01"


def test_export_dnc_consent_and_erase(aicmo, campaign, tmp_path):
    venture_id, campaign_id = campaign
    ids = []
    for email in ("x1@example.com", "x2@example.com", "x3@example.com"):
        ids.append(aicmo.json("leads", "capture", "--venture", venture_id, "--campaign",
                              campaign_id, "--email", email)["lead"]["lead_id"])

    out = tmp_path / "export.csv"
    written = aicmo.json("leads", "export", campaign_id, "--out", str(out))
    assert written["leads"] == 3
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["email"] for r in rows) == ["x1@example.com", "x2@example.com",
                                                "x3@example.com"]
    assert all(r["first_touch_campaign"] == campaign_id for r in rows)
    assert all(len(r["identity_hash"]) == 64 for r in rows)

    stdout_export = aicmo("leads", "export", campaign_id, "--out", "-")
    assert stdout_export.code == 0 and stdout_export.stdout.count("@example.com") == 3

    dnc = aicmo.json("leads", "dnc", ids[0], "--reason", "asked by phone")
    assert ids[0] in dnc["affected_lead_ids"]
    assert aicmo.json("leads", "show", ids[0])["consent_status"] == "dnc"
    recaptured = aicmo.json("leads", "capture", "--venture", venture_id, "--email",
                            "x1@example.com", "--consent", "consented", "--consent-source",
                            "cli", "--consent-text-version", "v1")
    assert recaptured["lead"]["consent_status"] == "dnc"  # a capture never lifts DNC

    consented = aicmo.json("leads", "consent", ids[1], "--status", "consented", "--source",
                           "phone_call", "--text-version", "v2", "--reason", "asked")
    assert consented["consent_status"] == "consented"

    refused = aicmo("leads", "erase", ids[2], "--reason", "gdpr request")
    assert refused.code == 2 and "--yes" in refused.stderr
    erased = aicmo.json("leads", "erase", ids[2], "--reason", "gdpr request", "--yes")
    assert erased["state"] == "erased" and erased.get("email", "") == ""
    bare = aicmo.json("leads", "dnc", "--email", "nobody-yet@example.com", "--venture",
                      venture_id, "--reason", "complaint")
    assert bare["suppression_entries"] >= 1
