"""`aicmo venture` and `aicmo campaign` against the real venture service: JSON parsed, exit
codes checked, errors in plain words."""

from __future__ import annotations

import socket

import pytest

from tests.e2e.gateway.cli_runner import Aicmo, unique

pytestmark = pytest.mark.needs("venture")


def create_venture(aicmo: Aicmo) -> str:
    venture_id = unique("acme")
    created = aicmo.json("venture", "create", venture_id, "--name", "Acme", "--channel",
                         "email", "--timezone", "Europe/Berlin", "--owner", "owner@acme.test",
                         "--from-address", "hello@acme.test", "--postal-address",
                         "1 Main St, Berlin")
    assert created["id"] == venture_id
    return venture_id


def test_venture_lifecycle(aicmo):
    venture_id = create_venture(aicmo)
    shown = aicmo.json("venture", "show", venture_id)
    assert shown["name"] == "Acme" and shown["default_channels"] == ["email"]
    assert shown["timezone"] == "Europe/Berlin" and shown["active"] is True

    listed = aicmo.json("venture", "list")
    assert venture_id in [v["id"] for v in listed]

    updated = aicmo.json("venture", "update", venture_id, "--name", "Acme Two")
    assert updated["name"] == "Acme Two" and updated["timezone"] == "Europe/Berlin"

    killed = aicmo("--output", "json", "venture", "kill", venture_id, "--reason", "incident")
    assert killed.json()["kill_switch"]["engaged"] is True
    # The stack's distribution watches the switches: the answer says it holds the switch.
    assert "in force on every delivering replica (1 confirmed)" in killed.stderr
    cleared = aicmo.json("venture", "unkill", venture_id, "--reason", "resolved")
    assert cleared["kill_switch"]["engaged"] is False

    table = aicmo("venture", "show", venture_id)
    assert table.code == 0 and venture_id in table.stdout and "Acme Two" in table.stdout


def test_invalid_venture_names_every_bad_field_and_exits_2(aicmo):
    result = aicmo("venture", "create", "Bad_Slug!", "--name", "", "--timezone", "Mars/Base")
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "venture.id" in result.stderr and "venture.timezone" in result.stderr


def test_campaign_state_machine_and_refusals(aicmo):
    venture_id = create_venture(aicmo)
    campaign = aicmo.json("campaign", "create", "--venture", venture_id, "--name", "Spring",
                          "--channel", "email", "--daily-limit", "5", "--window",
                          "mon-fri 09:00-17:00")
    campaign_id = campaign["id"]
    assert campaign["status"] == "draft" and campaign["daily_send_limit"] == 5
    assert campaign["send_window"] == "mon,tue,wed,thu,fri 09:00-17:00"

    assert aicmo.json("campaign", "start", campaign_id)["status"] == "running"
    assert aicmo.json("campaign", "pause", campaign_id, "--reason", "check")["status"] \
        == "paused"
    assert aicmo.json("campaign", "resume", campaign_id)["status"] == "running"
    assert aicmo.json("campaign", "kill", campaign_id, "--reason", "oops")["kill_switch"][
        "engaged"] is True
    assert aicmo.json("campaign", "unkill", campaign_id, "--reason", "ok")["kill_switch"][
        "engaged"] is False
    assert aicmo.json("campaign", "update", campaign_id, "--daily-limit", "7")[
        "daily_send_limit"] == 7
    assert aicmo.json("campaign", "stop", campaign_id)["status"] == "stopped"

    refused = aicmo("campaign", "start", campaign_id)
    assert refused.code == 3
    assert "INVALID_TRANSITION" in refused.stderr and "Traceback" not in refused.stderr

    listed = aicmo.json("campaign", "list", "--venture", venture_id)
    assert [c["id"] for c in listed] == [campaign_id]
    assert aicmo.json("campaign", "list", "--venture", venture_id, "--status", "running") == []

    history = aicmo.json("campaign", "show", campaign_id, "--history")
    transitions = [(h["from_status"], h["to_status"]) for h in history["history"]]
    assert ("draft", "running") in transitions and ("running", "stopped") in transitions

    missing = aicmo("campaign", "show", "no-such-campaign")
    assert missing.code == 3 and "NOT_FOUND" in missing.stderr


def test_viewer_token_is_refused_with_exit_3(aicmo):
    issued = aicmo.script("token", "issue", "--role", "viewer", "--ttl", "5m")
    assert issued.code == 0, issued.stderr
    viewer = issued.stdout.strip()
    result = aicmo("--token", viewer, "venture", "create", unique("nope"), "--name", "X")
    assert result.code == 3
    assert "ROLE_NOT_ALLOWED" in result.stderr
    assert aicmo("--token", viewer, "venture", "list").code == 0


def test_unreachable_service_exits_4_through_the_script(aicmo):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # bound but not listening: connections are refused
        result = aicmo.script("--timeout", "2", "--venture-addr", f"127.0.0.1:{closed}",
                              "venture", "list")
    assert result.code == 4, result.stderr
    assert "unavailable" in result.stderr and "Traceback" not in result.stderr


def test_bad_usage_exits_2_through_the_script(aicmo):
    result = aicmo.script("campaign", "list", "--status", "sideways")
    assert result.code == 2
    assert "sideways" in result.stderr
