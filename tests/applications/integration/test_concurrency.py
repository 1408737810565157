"""Many requests at once over real sockets: none waits on a connection that a finished request
still holds (on SQLite a process has one, and the thread pool is shared with response validation)."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.applications.integration.flows import setup
from tests.support.serving import serving

CONCURRENT = 150


async def _burst(base: str, officer: dict[str, str], paths: list[str]) -> tuple[list[int], float]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, headers=officer, limits=limits, timeout=110) as client:
        started = time.monotonic()
        answers = await asyncio.gather(*(client.get(p) for p in paths), return_exceptions=True)
        slowest = time.monotonic() - started
    return [a.status_code if isinstance(a, httpx.Response) else -1 for a in answers], slowest


def test_a_burst_of_reads_is_answered_without_waiting_out_the_pool(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app_id = api.client.post("/v1/applications", headers=officer, json={
        "merchant_id": merchant, "amount": "25000.00", "term_days": 90, "purpose": "harvest_purchase"}).json()["id"]
    with serving(api.client.app) as base:
        codes, slowest = asyncio.run(_burst(base, officer, [f"/v1/applications/{app_id}"] * CONCURRENT))
    assert codes == [200] * CONCURRENT
    # A request stuck behind a held connection waits the pool's whole timeout (120 s on SQLite).
    assert slowest < 60, f"the burst took {slowest:.0f} s: requests waited on a connection held after their answer"
