"""Two sellers from application to outcome through the running suite: one repaid from its payouts
and by its bank, one defaulted and written off. Their loans travel on loans.v1 to the scoring
service, which keeps each outcome beside the features and model it was decided on, and the
bank's own book is exported from them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from ruralcredit_applications import loans as loan_cases
from ruralcredit_applications.domain.sales import business_day
from ruralcredit_common import db
from tests.support import unique, wait_for
from tests.support.sellers import cashflow_days, merchant_with_sales

pytestmark = pytest.mark.slow


def _tenants(suite):
    admin = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": suite.admin_key}, timeout=30)
    plat = admin.post("/v1/platforms", json={"name": unique("Loan platform"), "settlement_lag_days": 15}).json()
    inst = admin.post("/v1/institutions", json={"name": unique("Loan bank")}).json()
    officer = admin.post(f"/v1/institutions/{inst['id']}/officers", json={"name": "Loan officer"}).json()
    core = admin.post(f"/v1/institutions/{inst['id']}/keys").json()

    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": key}, timeout=60)

    return client(plat["key"]["api_key"]), client(officer["key"]["api_key"]), client(core["api_key"])


def _approved_loan(suite, platform, officer, bank, ref: str, seed: int) -> dict:
    """A seller with sales, consent, an application decided (approved by the officer if the model did not) and disbursed."""
    merchant_id, _ = merchant_with_sales(platform, ref, days=400, seed=seed)
    wait_for(lambda: cashflow_days(suite, merchant_id) > 350, timeout=90, what="cashflow to hold the series")
    now = dt.datetime.now(dt.UTC)
    officer.post(f"/v1/merchants/{merchant_id}/consents", json={
        "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=1)).isoformat(), "scope": ["sales", "payouts"],
        "expires_at": (now + dt.timedelta(days=365)).isoformat()})
    app = officer.post("/v1/applications", json={"merchant_id": merchant_id, "amount": "20000.00", "term_days": 60,
                                                  "purpose": "festival_stock"}).json()
    decided = wait_for(lambda: (a := officer.get(f"/v1/applications/{app['id']}").json())["decision"] and a, timeout=60,
                       what="the decision")
    if decided["status"] != "approved":
        r = officer.post(f"/v1/applications/{app['id']}/override", json={
            "outcome": "approve", "reason_code": "other", "reason": "Known to the branch for years; pays its suppliers on time",
            "amount": "10000.00", "term_days": 60})
        assert r.status_code == 200, r.text
    rate = {} if (decided["decision"].get("rate") or {}).get("annual_rate") else {"annual_rate": "0.120000"}
    r = bank.post(f"/v1/applications/{app['id']}/disbursement",
                  json={"amount": "5000.00", "disbursed_on": business_day(now).isoformat(), **rate})
    assert r.status_code == 201, r.text
    return {"merchant": merchant_id, "application": app["id"], "decision": decided["decision"], "loan": r.json(),
            "overridden": decided["status"] != "approved"}


def _run_daily_job(suite, as_of: dt.date) -> None:
    """The days-past-due job as it runs on `as_of`, against the suite's own database (its relay publishes the events)."""
    engine = db.create_db_engine(suite.database_urls["applications"])
    try:
        with db.transaction(db.session_factory(engine)) as session:
            loan_cases.refresh_arrears(session, as_of)
    finally:
        engine.dispose()


def _outcome(suite, loan_id: str) -> dict | None:
    engine = create_engine(suite.database_urls["scoring"])
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT * FROM loan_outcomes WHERE loan_id = :l"), {"l": loan_id}).mappings().first()
    finally:
        engine.dispose()
    return dict(row) if row else None


def test_one_seller_repays_another_defaults_and_the_outcomes_reach_the_book(suite, tmp_path):
    platform, officer, bank = _tenants(suite)
    good = _approved_loan(suite, platform, officer, bank, "loan-shop-1", seed=21)
    poor = _approved_loan(suite, platform, officer, bank, "loan-shop-2", seed=22)
    loan = good["loan"]
    assert loan["status"] == "disbursed" and sum(Decimal(i["principal"]) for i in loan["schedule"]) == Decimal("5000.00")

    # The platform deducts the first instalment from a payout; the second is missed for three days.
    first, second = loan["schedule"][0], loan["schedule"][1]
    paid = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    r = platform.post("/v1/platform/repayments:batch", headers={"Idempotency-Key": unique("ded")}, json={"rows": [
        {"repayment_id": "ded-1", "loan_id": loan["id"], "payout_id": "p-1", "paid_at": paid,
         "amount": str(Decimal(first["principal"]) + Decimal(first["interest"]))}]})
    assert r.json()["accepted"] == 1, r.text
    assert officer.get(f"/v1/loans/{loan['id']}").json()["status"] == "current"
    _run_daily_job(suite, dt.date.fromisoformat(second["due"]) + dt.timedelta(days=3))
    assert officer.get(f"/v1/loans/{loan['id']}").json()["status"] == "in_arrears"
    rest = sum(Decimal(i["principal"]) + Decimal(i["interest"]) for i in loan["schedule"][1:])
    r = bank.post("/v1/bank/repayments:batch", json={"rows": [
        {"repayment_id": "branch-1", "loan_id": loan["id"], "paid_at": paid, "amount": str(rest)}]})
    assert r.json()["accepted"] == 1, r.text
    assert officer.get(f"/v1/loans/{loan['id']}").json()["status"] == "repaid"

    # The other seller pays nothing: 90 days after its first due date it has defaulted; the bank writes it off.
    bad = poor["loan"]
    _run_daily_job(suite, dt.date.fromisoformat(bad["schedule"][0]["due"]) + dt.timedelta(days=90))
    assert officer.get(f"/v1/loans/{bad['id']}").json()["status"] == "defaulted"
    r = officer.post(f"/v1/loans/{bad['id']}/write-off", json={"reason": "No payouts since the harvest failed"})
    assert r.status_code == 200 and r.json()["status"] == "written_off"

    assert [a["action"] for a in officer.get(f"/v1/loans/{loan['id']}/audit").json()] == [
        "loan:disbursed", "loan:repayment", "loan:status:current", "loan:status:in_arrears", "loan:repayment", "loan:status:repaid"]
    trail = officer.get(f"/v1/applications/{poor['application']}/audit").json()
    assert [a["action"] for a in trail][:3] == ["submitted", "status:forecasting", "status:scored"]
    # The first day's count (for the other seller's missed instalment) found it late too.
    assert [a["action"] for a in trail if a["action"].startswith("loan:")] == [
        "loan:disbursed", "loan:status:in_arrears", "loan:status:defaulted", "loan:status:written_off"]
    assert trail[-1]["detail"]["reason"] == "No payouts since the harvest failed"

    # Scoring has each outcome beside what it decided on.
    for seller, status in ((good, "repaid"), (poor, "written_off")):
        kept = wait_for(lambda s=seller, st=status: (o := _outcome(suite, s["loan"]["id"])) and o["status"] == st and o,
                        timeout=60, what=f"scoring to hold the {status} outcome")
        features = kept["features"] if isinstance(kept["features"], dict) else json.loads(kept["features"])
        assert features == seller["decision"]["features"]
        assert (kept["model_version"], kept["grade"]) == (seller["decision"]["model_version"], seller["decision"]["grade"])
        assert bool(kept["overridden"]) == seller["overridden"]
    assert _outcome(suite, bad["id"])["defaulted_on"] is not None

    # Judged as of a day by which both loans' outcome windows have passed (the job ran ahead of time too).
    out, spec, later = tmp_path / "book.parquet", tmp_path / "spec.json", (business_day(dt.datetime.now(dt.UTC)) + dt.timedelta(days=400)).isoformat()
    env = {**suite.env["scoring"]}
    command = [str(Path(sys.executable).with_name("ruralcredit")), "scoring", "book", "--out", str(out), "--spec", str(spec), "--as-of", later]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    book = pd.read_parquet(out).set_index("loan_id")
    assert book.loc[loan["id"], "outcome"] == "repaid" and book.loc[bad["id"], "outcome"] == "defaulted"
    assert json.loads(spec.read_text())["target"] == "outcome"
    done = subprocess.run([command[0], "scoring", "monitor", "--out", str(tmp_path / "report"), "--as-of", later], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 loans disbursed" in (tmp_path / "report" / "portfolio.md").read_text()
    assert (tmp_path / "report" / "grades.png").stat().st_size > 0
