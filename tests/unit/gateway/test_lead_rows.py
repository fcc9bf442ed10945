"""Flat lead records: CSV headings, capture building, export rows."""

from __future__ import annotations

from aicmo.leads.v1 import leads_pb2
from aicmo_gateway import lead_rows


def test_headings_map_to_fields():
    assert lead_rows.canonical_field("E-mail") == "email"
    assert lead_rows.canonical_field(" Phone Number ") == "phone"
    assert lead_rows.canonical_field("utm_source") == "utm_source"
    assert lead_rows.canonical_field("Consent text version") == "consent_text_version"
    assert lead_rows.canonical_field("attr:Tier") == "attr:Tier"
    assert lead_rows.canonical_field("Favourite colour") is None


def test_capture_from_fields_builds_nested_values_and_reports_every_problem():
    capture, problems = lead_rows.capture_from_fields({
        "email": " a@example.com ", "utm_source": "news", "consent_status": "yes",
        "consent_source": "import:crm", "consent_time": "2026-01-31T09:00:00Z",
        "attr:tier": "gold", "phone": ""})
    assert problems == []
    assert capture.email == "a@example.com" and capture.utm.source == "news"
    assert capture.consent_status == leads_pb2.CONSENT_STATUS_CONSENTED
    assert capture.consent_evidence.source == "import:crm"
    assert capture.consent_evidence.consent_time.seconds > 0
    assert dict(capture.attributes) == {"tier": "gold"}
    assert not capture.phone

    _, problems = lead_rows.capture_from_fields({
        "consent_status": "maybe", "consent_time": "yesterday", "shoe_size": "44"})
    assert len(problems) == 3
    assert any(p.startswith("consent_status") for p in problems)
    assert any(p.startswith("consent_time") for p in problems)
    assert any(p.startswith("shoe_size") for p in problems)


def test_local_times_need_an_offset():
    _, problems = lead_rows.capture_from_fields({"consent_time": "2026-01-31T09:00:00"})
    assert problems and "offset" in problems[0]


def test_export_row_flattens_touches_and_evidence():
    lead = leads_pb2.Lead(
        lead_id="l1", venture_id="v", email="a@example.com",
        consent_status=leads_pb2.CONSENT_STATUS_DNC, state=leads_pb2.LEAD_STATE_ACTIVE,
        first_touch=leads_pb2.Touch(source_channel="web_form", campaign_id="c1",
                                    utm=leads_pb2.UtmParameters(source="news")),
        touch_count=3)
    row = lead_rows.lead_row(lead)
    assert set(row) == set(lead_rows.EXPORT_COLUMNS)
    assert (row["consent_status"], row["state"], row["touch_count"]) == ("dnc", "active", 3)
    assert (row["first_touch_source"], row["first_touch_utm_source"]) == ("web_form", "news")
    assert row["last_touch_source"] == "" and row["consent_time"] == ""


def test_only_explicit_words_put_a_person_on_the_do_not_contact_list():
    for word in ("dnc", "opt-out", "Unsubscribed", " DNC "):
        capture, problems = lead_rows.capture_from_fields({"consent_status": word})
        assert problems == [] and capture.consent_status == leads_pb2.CONSENT_STATUS_DNC, word
    for word in ("no", "No", "false", "0", "n", "declined"):
        capture, problems = lead_rows.capture_from_fields({"consent_status": word})
        assert capture.consent_status == leads_pb2.CONSENT_STATUS_UNSPECIFIED, word
        assert len(problems) == 1 and "ambiguous" in problems[0], word
        assert "dnc, opt-out, unsubscribed" in problems[0]
    _, problems = lead_rows.capture_from_fields({"consent_status": "perhaps"})
    assert "is not a consent word" in problems[0]


def test_the_headings_understood_cover_every_import_field_and_alias():
    headings = lead_rows.understood_headings()
    assert set(headings) == set(lead_rows.IMPORT_FIELDS)
    assert "e-mail" in headings["email"] and "consent" in headings["consent_status"]
    assert set(lead_rows.CONSENT_EVIDENCE_FIELDS) <= set(headings)
