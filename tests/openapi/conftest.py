"""The running suite, seeded with one of each tenant, for the OpenAPI fuzzing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ruralcredit_common.settings import ServiceSettings
from ruralcredit_dev.demo import sales_rows
from tests.support import wait_for
from tests.support.suite import Suite, start_suite, stop_suite


@dataclass
class Seeded:
    """The suite, each role's key and the ids of the tenants seeded in it."""

    suite: Suite
    keys: dict[str, str]
    ids: dict[str, list[str]] = field(default_factory=dict)


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:300]}"
    return r.json() if r.content else None


def seed(suite: Suite) -> Seeded:
    """A platform with two merchants (one with sales and consent), an institution, an officer and an application."""
    url = suite.urls["applications"]
    with httpx.Client(base_url=url, headers={"X-API-Key": suite.admin_key}, timeout=30) as admin:
        plat = _ok(admin.post("/v1/platforms", json={"name": "Fuzzed marketplace", "settlement_lag_days": 15}))
        inst = _ok(admin.post("/v1/institutions", json={"name": "Fuzzed county bank"}))
        off = _ok(admin.post(f"/v1/institutions/{inst['id']}/officers", json={"name": "Fuzzed officer"}))
    keys = {"admin": suite.admin_key, "platform": plat["key"]["api_key"], "officer": off["key"]["api_key"],
            "service": suite.env["cashflow"].get("CASHFLOW_SERVICE_API_KEY") or ServiceSettings().service_api_key}
    today = dt.date.today()
    merchants = []
    with httpx.Client(base_url=url, headers={"X-API-Key": keys["platform"]}, timeout=60) as p:
        for ref in ("shop-1", "shop-2"):
            merchants.append(_ok(p.put(f"/v1/platform/merchants/{ref}", json={
                "merchant_ref": ref, "name": f"Shop {ref}", "county": "Tianyang", "category": "fruit",
                "onboarded_on": str(today - dt.timedelta(days=400)), "produce": "mango"}))["id"])
        orders, payouts = sales_rows("shop-1", 240, 21, today)
        for kind, rows in (("orders", orders), ("payouts", payouts)):
            for i in range(0, len(rows), 5000):
                _ok(p.post(f"/v1/platform/{kind}:batch", json={"rows": rows[i:i + 5000]}))
    now = dt.datetime.now(dt.UTC)
    with httpx.Client(base_url=url, headers={"X-API-Key": keys["officer"]}, timeout=30) as o:
        _ok(o.post(f"/v1/merchants/{merchants[0]}/consents", json={
            "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "scope": ["sales", "refunds", "payouts", "account_flows", "purchase_plans"],
            "expires_at": (now + dt.timedelta(days=365)).isoformat()}))
        wait_for(lambda: httpx.get(f"{suite.urls['cashflow']}/v1/merchants/{merchants[0]}/forecast",
                                   headers={"X-API-Key": keys["service"]}).status_code == 200, what="the cashflow service to have the sales")
        app = _ok(o.post("/v1/applications", json={"merchant_id": merchants[0], "amount": "20000.00", "term_days": 60,
                                                   "purpose": "festival_stock"}))
        wait_for(lambda: _ok(o.get(f"/v1/applications/{app['id']}"))["decision"], what="the decision")
    # Not merchant_ref: a registration's path names the merchant of its body, which the examples
    # (sent as they are) do with their own reference.
    ids = {"merchant_id": merchants, "application_id": [app["id"]],
           "platform_id": [plat["id"]], "institution_id": [inst["id"]], "officer_id": [off["id"]]}
    return Seeded(suite, keys, ids)


@pytest.fixture(scope="module")
def seeded(broker, database_url_factory, model_registry, tmp_path_factory) -> Iterator[Seeded]:
    """The running suite with its tenants seeded, serving the session's model (the scoring
    service only reads its registry, so the fuzzing cannot change it for the other tests)."""
    var = tmp_path_factory.mktemp("var")
    running, procs = start_suite(broker, database_url_factory, model_registry, var)
    try:
        yield seed(running)
    finally:
        stop_suite(procs)
