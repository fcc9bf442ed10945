"""`aicmo audit` against the real audit service, fed by the venture service's outbox."""

from __future__ import annotations

import csv

import pytest

from tests.e2e.gateway.cli_runner import Aicmo, unique
from tests.support.waiting import wait_for_sync

pytestmark = pytest.mark.needs("venture", "audit")


def wait_for_trail(aicmo: Aicmo, entity_type: str, entity_id: str, action: str) -> list[dict]:
    def trail() -> list[dict] | None:
        entries = aicmo.json("audit", "trail", entity_type, entity_id)
        return entries if any(e["action"] == action for e in entries) else None

    return wait_for_sync(trail, within=20, every=0.1,
                         what=f"{action} in the trail of {entity_type} {entity_id}")


def test_trail_list_verify_export(aicmo, tmp_path):
    venture_id = unique("audited")
    aicmo.json("venture", "create", venture_id, "--name", "Audited", "--channel", "email",
               "--owner", "owner@audited.test")
    campaign_id = aicmo.json("campaign", "create", "--venture", venture_id, "--name", "A",
                             "--channel", "email")["id"]
    aicmo.json("campaign", "start", campaign_id, "--reason", "go")

    entries = wait_for_trail(aicmo, "campaign", campaign_id, "campaign.started")
    assert all(e["entity_id"] == campaign_id for e in entries)
    assert [e["sequence"] for e in entries] == sorted(e["sequence"] for e in entries)

    listed = aicmo.json("audit", "list", "--venture", venture_id)
    assert {e["action"] for e in listed} >= {"campaign.started"}
    assert all(e["venture_id"] == venture_id for e in listed)

    verified = aicmo.json("audit", "verify")
    assert verified["valid"] is True and verified["entries_checked"] >= len(listed)

    out = tmp_path / "audit.csv"
    written = aicmo.json("audit", "export", "--venture", venture_id, "--out", str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert written["entries"] == len(rows) >= len(listed)
    assert all(len(r["hash"]) >= 32 for r in rows)

    bad = aicmo("audit", "list", "--since", "yesterday")
    assert bad.code == 2 and "--since" in bad.stderr
