"""Platform pushes sales → applications → sales.v1 → cashflow; officer applies → applications.v1
→ cashflow forecasts → cashflow.v1 → scoring decides → decisions.v1 → applications stores it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support import unique, wait_for
from tests.support.sellers import cashflow_days as _cashflow_days
from tests.support.sellers import merchant_with_sales as _merchant_with_sales

pytestmark = pytest.mark.slow


def _clients(suite):
    admin = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": suite.admin_key}, timeout=30)
    plat = admin.post("/v1/platforms", json={"name": unique("E2E platform"), "settlement_lag_days": 15}).json()
    inst = admin.post("/v1/institutions", json={"name": unique("E2E bank")}).json()
    officer = admin.post(f"/v1/institutions/{inst['id']}/officers", json={"name": "E2E officer"}).json()
    platform = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": plat["key"]["api_key"]}, timeout=60)
    officer_c = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": officer["key"]["api_key"]}, timeout=30)
    return admin, platform, officer_c


def _assessment(suite, application_id: str) -> dict:
    engine = create_engine(suite.database_urls["cashflow"])
    try:
        with engine.connect() as conn:
            payload = conn.execute(text("SELECT payload FROM assessments WHERE application_id = :a"), {"a": application_id}).scalar_one()
    finally:
        engine.dispose()
    return payload if isinstance(payload, dict) else __import__("json").loads(payload)


def test_decision_arrives_through_all_four_topics(suite):
    _admin, platform, officer = _clients(suite)
    merchant_id, orders = _merchant_with_sales(platform, "e2e-shop-1")
    sold_days = {o["sold_at"][:10] for o in orders}
    wait_for(lambda: _cashflow_days(suite, merchant_id) >= len(sold_days) - 2, timeout=60, what="cashflow to hold the daily series")

    now = dt.datetime.now(dt.UTC)
    r = officer.post(f"/v1/merchants/{merchant_id}/consents", json={
        "granted_by": "shop owner", "granted_at": (now - dt.timedelta(minutes=1)).isoformat(), "scope": ["sales", "payouts"],
        "expires_at": (now + dt.timedelta(days=180)).isoformat()})
    assert r.status_code == 201
    app = officer.post("/v1/applications", json={"merchant_id": merchant_id, "amount": "20000.00", "term_days": 60, "purpose": "festival_stock"}).json()
    assert app["status"] == "forecasting"

    decided = wait_for(lambda: (a := officer.get(f"/v1/applications/{app['id']}").json())["status"] not in ("submitted", "forecasting")
                       and a["decision"] and a, timeout=30, what="the decision")
    d = decided["decision"]
    assert decided["status"] in {"approved", "referred", "declined"}
    assert {"approve": "approved", "refer": "referred", "decline": "declined"}[d["outcome"]] == decided["status"]
    assert 0 < d["pd"] < 1 and d["grade"] in "ABCDE"
    assert d["model_version"] and d["policy_version"]
    assessment = _assessment(suite, app["id"])
    assert d["features"] == assessment["features"], "the decision must be made on cashflow's features"
    assert assessment["features"]["history_days"] >= 390
    if d["outcome"] != "decline":
        assert Decimal(d["limit"]) > 0
        assert sum(Decimal(i["principal"]) for i in d["schedule"]) == Decimal(d["limit"])
        assert Decimal(d["rate"]["annual_rate"]) <= Decimal("0.24")
    else:
        assert d["reasons"], "a decline owes the merchant its reasons"

    audit = officer.get(f"/v1/applications/{app['id']}/audit").json()
    assert [a["action"] for a in audit][:3] == ["submitted", "status:forecasting", "status:scored"]
    metrics = httpx.get(f"{suite.urls['scoring']}/metrics").text
    assert "ruralcredit_decisions_total" in metrics


def test_officer_sees_forecast_and_asks_what_if_through_the_front_door(suite):
    _admin, platform, officer = _clients(suite)
    merchant_id, _ = _merchant_with_sales(platform, "e2e-shop-2", days=200, seed=5)
    wait_for(lambda: _cashflow_days(suite, merchant_id) > 150, timeout=60, what="cashflow to hold the series")
    assert officer.get(f"/v1/merchants/{merchant_id}/forecast").status_code == 403, "no consent, no forecast"
    now = dt.datetime.now(dt.UTC)
    officer.post(f"/v1/merchants/{merchant_id}/consents", json={
        "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=1)).isoformat(), "scope": ["sales"],
        "expires_at": (now + dt.timedelta(days=30)).isoformat()})
    fc = officer.get(f"/v1/merchants/{merchant_id}/forecast", params={"horizon": 45})
    assert fc.status_code == 200, fc.text
    body = fc.json()
    assert len(body["dates"]) == 45 == len(body["collections_p50"])
    assert all(lo <= mid <= hi for lo, mid, hi in zip(body["sales_p10"], body["sales_p50"], body["sales_p90"]))
    what_if = {
        "merchant_id": merchant_id, "amount": "10000.00", "term_days": 60, "as_of": str(dt.date.today()),
        "features": {"history_days": 200, "coverage_p10": 2.5, "coverage_p50": 3.0},
        "collections": {"p10": [300.0] * 80, "p50": [400.0] * 80},
    }
    r = officer.post("/v1/what-if", json=what_if)
    assert r.status_code == 200, r.text
    assert 0 < r.json()["pd"] < 1
    assert httpx.post(f"{suite.urls['scoring']}/v1/score", json=what_if).status_code == 401, "scoring needs a service key"
