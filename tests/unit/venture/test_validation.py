"""Input rules: each bad field named once, good input typed."""

from __future__ import annotations

from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import Violations
from aicmo_venture.domain.model import Channel, Weekday
from aicmo_venture.domain.validation import CampaignDraft, VentureDraft, WindowDraft


def test_a_good_campaign_becomes_typed_values():
    errors = Violations()
    values = validation.check_campaign(
        CampaignDraft(venture_id="acme", name="C", allowed_channels=(1, 3, 1),
                      daily_send_limit=0, send_window=WindowDraft((1, 5), 9, 0, 24, 0)),
        errors, ("venture_id", "name", "allowed_channels", "daily_send_limit", "send_window"))
    assert not errors
    assert values["allowed_channels"] == (Channel.EMAIL, Channel.SMS)
    window = values["send_window"]
    assert window.days == {Weekday.MONDAY, Weekday.FRIDAY}
    assert (window.start_minute, window.end_minute) == (540, 1440)


def test_only_requested_fields_are_checked():
    errors = Violations()
    validation.check_venture(VentureDraft(name="", timezone="bad"), errors, ("timezone",))
    assert [v.field for v in errors.items] == ["venture.timezone"]


def test_window_rules():
    for draft, fields in (
        (WindowDraft((), 9, 0, 17, 0), ["w.days"]),
        (WindowDraft((1,), 9, 0, 24, 30), ["w.end_minute"]),
        (WindowDraft((1,), 9, 0, 9, 0), ["w.end_hour"]),
        (WindowDraft((8, 0), -1, 0, 17, 0), ["w.days[0]", "w.days[1]", "w.start_hour"]),
    ):
        errors = Violations()
        validation.check_window(errors, "w", draft)
        assert [v.field for v in errors.items] == fields, draft


def test_emails_and_slugs():
    for good in ("a@b.co", "first.last+tag@sub.example.org"):
        errors = Violations()
        validation.check_email(errors, "e", good, required=True)
        assert not errors, good
    for bad in ("", "a", "a@b", "a b@c.de", "a@@b.de", "a@-b.de"):
        errors = Violations()
        validation.check_email(errors, "e", bad, required=True)
        assert errors, bad
    assert validation.SLUG.fullmatch("acme-saas-2")
    assert not validation.SLUG.fullmatch("2acme") and not validation.SLUG.fullmatch("a")


def test_update_mask_names_unknown_and_read_only_paths():
    errors = Violations()
    paths = validation.check_mask(errors, ["name", "name", "status", "bogus"],
                                  validation.CAMPAIGN_MASK_PATHS, validation.CAMPAIGN_READ_ONLY)
    assert paths == ["name"]
    assert [v.field for v in errors.items] == ["update_mask", "update_mask"]
