"""Two edges over real HTTP sharing one rate-limit store (AICMO_RATE_LIMIT_DATABASE_URL): the
form posts of one client across both never get past the limit together."""

from __future__ import annotations

import dataclasses

import httpx

from aicmo_gateway.edge.app import create_app
from tests.e2e.gateway.edge_server import edge_config, serving


async def test_two_edges_share_one_limit(stack, secret, database_url):
    config = dataclasses.replace(edge_config(stack, secret), form_rate_limit=3,
                                 form_rate_window_seconds=3600,
                                 rate_limit_database_url=database_url)
    async with serving(create_app(config)) as first, serving(create_app(config)) as second, \
            httpx.AsyncClient() as client:
        statuses = []
        for index in range(10):
            base = (first, second)[index % 2]
            # The honeypot answers 200 and captures nothing: only the limit is measured.
            response = await client.post(f"{base}/f/any", data={"website": "x"})
            statuses.append(response.status_code)
    assert statuses.count(200) == 3 and statuses.count(429) == 7, statuses
