"""Tenants and an approved, priced application ready to be disbursed, for the loan tests."""

from __future__ import annotations

import datetime as dt

from ruralcredit_applications import consumer
from ruralcredit_applications.domain.sales import business_day
from ruralcredit_common.contracts import decisions
from ruralcredit_common.contracts.envelope import decode, encode

TODAY = business_day(dt.datetime.now(dt.UTC))
RATE = decisions.RateComponents(benchmark="0.03", funding_and_operating="0.01", expected_loss="0.02", margin="0.005",
                                uncapped="0.065", annual_rate="0.065", capped=False)


def approve(api, app_id: str, merchant_id: str, limit: str = "20000.00", outcome: str = "approve") -> None:
    """Apply a priced decision with the service's own consumer handler."""
    payload = decisions.DecisionMade(
        application_id=app_id, merchant_id=merchant_id, outcome=outcome, pd=0.031, grade="B", limit=limit, term_days=60,
        rate=RATE if outcome != "decline" else None, model_version="m-test-1", policy_version="p-1",
        features={"history_days": 400.0}, decided_at=dt.datetime.now(dt.UTC),
    )
    with api.runtime.factory() as session, session.begin():
        consumer.handle(session, [decode(encode(decisions.event(payload)))])


def approved_application(api, bank: str = "Bank", platform: str = "P", ref: str = "m-1"):
    """A platform, its merchant, a bank's officer and an approved application; returns their keys and ids."""
    _, plat = api.platform(platform)
    merchant = api.merchant(plat, ref)
    inst, officer = api.officer(bank)
    api.consent(officer, merchant)
    app = api.client.post("/v1/applications", headers=officer, json={
        "merchant_id": merchant, "amount": "25000.00", "term_days": 60, "purpose": "harvest_purchase"}).json()
    approve(api, app["id"], merchant)
    return {"platform": plat, "officer": officer, "institution": inst, "merchant": merchant, "application": app["id"]}


def disburse(api, t, amount: str = "20000.00", on: dt.date = TODAY, **extra):
    return api.client.post(f"/v1/applications/{t['application']}/disbursement", headers=t["officer"],
                           json={"amount": amount, "disbursed_on": on.isoformat(), **extra})
