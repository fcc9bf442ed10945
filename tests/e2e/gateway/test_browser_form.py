"""The hosted form submitted by a real headless browser (Chromium from the Debian packages).

A same-origin driver page, added to the test's own edge only, fills the form inside an iframe
and clicks the submit button, as a person would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import pytest
from starlette.responses import HTMLResponse
from starlette.routing import Route

from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_common.clients import open_channel
from aicmo_gateway import devfiles
from aicmo_gateway.edge.app import CONSENT_TEXT_VERSION
from tests.e2e.gateway.cli_runner import unique
from tests.e2e.gateway.edge_server import app_for, serving

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser() -> str:
    """Chromium, installed from the Debian packages when missing (skips if that fails)."""
    found = find_browser()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Chromium is not installed and cannot be installed here (needs root and "
                    "apt-get): apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       env=env, capture_output=True, timeout=900, check=True)
    except (subprocess.SubprocessError, OSError):
        try:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300,
                           check=True)
            subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                           env=env, capture_output=True, timeout=900, check=True)
        except (subprocess.SubprocessError, OSError) as error:
            pytest.skip(f"Chromium could not be installed with apt-get ({error})")
    found = find_browser()
    if not found:
        pytest.skip("apt-get ran but no Chromium binary was found")
    return found


DRIVER = """<!doctype html><html><body>
<iframe id="form" src="/f/{campaign_id}?utm_source=browser" width="600" height="800"></iframe>
<script>
const frame = document.getElementById("form");
let submitted = false;
frame.addEventListener("load", () => {{
  const page = frame.contentDocument;
  if (!submitted) {{
    submitted = true;
    page.getElementById("name").value = "Brow Ser";
    page.getElementById("email").value = "browser@example.com";
    page.getElementById("company").value = "Headless Inc";
    page.getElementById("consent").click();
    page.getElementById("submit").click();
  }} else {{
    document.title = "done: " + page.getElementById("message").textContent;
  }}
}});
</script></body></html>"""


async def test_a_real_browser_submits_the_hosted_form(stack, browser, tmp_path):
    stack.require("venture", "leads")
    secret = devfiles.read_secrets(stack.root / "var" / devfiles.SECRETS_FILE).token_secret
    token = stack.values["AICMO_TOKEN"]
    venture_channel = open_channel(stack.values["AICMO_VENTURE_ADDR"], token=token,
                                   timeout_seconds=5)
    leads_channel = open_channel(stack.values["AICMO_LEADS_ADDR"], token=token,
                                 timeout_seconds=5)
    try:
        venture_api = venture_pb2_grpc.VentureServiceStub(venture_channel)
        leads_api = leads_pb2_grpc.LeadsServiceStub(leads_channel)
        venture_id = unique("browser")
        await venture_api.CreateVenture(venture_pb2.CreateVentureRequest(
            venture=venture_pb2.Venture(id=venture_id, name="Browser Co", timezone="UTC",
                                        owner_contact="owner@browser.test",
                                        default_channels=[1])))
        campaign = (await venture_api.CreateCampaign(venture_pb2.CreateCampaignRequest(
            campaign=venture_pb2.Campaign(venture_id=venture_id, name="Browser")))).campaign

        app = app_for(stack, secret)

        async def driver(request):
            return HTMLResponse(DRIVER.format(campaign_id=request.path_params["campaign_id"]))

        app.router.routes.append(Route("/test-driver/{campaign_id}", driver))
        async with serving(app) as base:
            command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                       "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
                       "--virtual-time-budget=10000", "--dump-dom",
                       f"{base}/test-driver/{campaign.id}"]
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
        assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
        assert "done: Thank you" in stdout.decode(errors="replace")

        leads = (await leads_api.ListLeads(leads_pb2.ListLeadsRequest(
            venture_id=venture_id))).leads
        assert [lead.email for lead in leads] == ["browser@example.com"]
        evidence = leads[0].consent_evidence
        assert leads[0].consent_status == leads_pb2.CONSENT_STATUS_CONSENTED
        assert evidence.consent_text_version == CONSENT_TEXT_VERSION
        assert evidence.form_url.startswith(f"{base}/f/{campaign.id}")
        assert evidence.ip_address == "127.0.0.1"
        assert leads[0].first_touch.utm.source == "browser"
    finally:
        await venture_channel.close()
        await leads_channel.close()
