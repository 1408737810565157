"""Account flows (pushed by a payment platform or uploaded by an officer) and purchase plans."""

from __future__ import annotations

import datetime as dt

from ruralcredit_common.contracts import sales

TODAY = dt.date.today()


def test_payment_platform_pushes_account_flows(api):
    _, plat = api.platform("PayCo")
    merchant = api.merchant(plat, "shop-1")
    _, other = api.platform("Other")
    rows = [
        {"merchant_ref": "shop-1", "day": str(TODAY - dt.timedelta(days=2)), "inflow": "1200.00", "outflow": "300.00"},
        {"merchant_ref": "shop-1", "day": str(TODAY + dt.timedelta(days=5)), "inflow": "1.00", "outflow": "0.00"},
        {"merchant_ref": "shop-1", "day": str(TODAY - dt.timedelta(days=1)), "inflow": "-4", "outflow": "0"},
    ]
    r = api.client.post("/v1/platform/account-flows:batch", headers=plat, json={"rows": rows}).json()
    assert r["accepted"] == 1
    assert {(e["index"], e["field"]) for e in r["errors"]} == {(1, "day"), (2, "inflow")}
    [event] = api.outbox(sales.TOPIC)
    assert event["type"] == sales.ACCOUNT_FLOWS and event["payload"]["merchant_id"] == merchant
    assert event["payload"]["source"] == "payment_platform"
    foreign = api.client.post("/v1/platform/account-flows:batch", headers=other, json={"rows": rows[:1]}).json()
    assert foreign["accepted"] == 0 and foreign["errors"][0]["reason"] == "unknown merchant"


def test_officer_uploads_csv_only_with_consent(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "shop-1")
    _, officer = api.officer("Bank")
    body = f"day,inflow,outflow\n{TODAY - dt.timedelta(days=3)},800.00,120.50\n{TODAY - dt.timedelta(days=2)},abc,1\n{TODAY - dt.timedelta(days=1)},5\n"
    headers = {**officer, "content-type": "text/csv"}
    assert api.client.post(f"/v1/merchants/{merchant}/account-flows", headers=headers, content=body).status_code == 403
    api.consent(officer, merchant, scope=["sales", "account_flows"])
    r = api.client.post(f"/v1/merchants/{merchant}/account-flows", headers=headers, content=body)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["accepted"] == 1
    assert {(e["index"], e["field"]) for e in res["errors"]} == {(1, "inflow"), (2, "(row)")}
    [event] = api.outbox(sales.TOPIC)
    assert event["payload"]["source"] == "officer_upload" and event["payload"]["days"][0]["outflow"] == "120.50"
    bad_header = api.client.post(f"/v1/merchants/{merchant}/account-flows", headers=headers, content="date,in,out\n")
    assert bad_header.status_code == 422 and "header" in bad_header.json()["errors"][0]["reason"]


def test_purchase_plan_is_validated_stored_and_emitted(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "orchard")
    _, officer = api.officer("Bank")
    api.consent(officer, merchant, scope=["sales", "purchase_plans"])
    plan = {"description": "Buy up mangoes", "amount": "40000.00", "start": "2027-06-20", "end": "2027-07-10"}
    r = api.client.post(f"/v1/merchants/{merchant}/purchase-plans", headers=officer, json=plan)
    assert r.status_code == 201, r.text
    [event] = api.outbox(sales.TOPIC)
    assert event["type"] == sales.PURCHASE_PLAN and event["payload"]["amount"] == "40000.00"
    backwards = api.client.post(f"/v1/merchants/{merchant}/purchase-plans", headers=officer, json={**plan, "end": "2027-06-01"})
    assert backwards.status_code == 422 and "end is before start" in backwards.json()["errors"][0]["reason"]
    negative = api.client.post(f"/v1/merchants/{merchant}/purchase-plans", headers=officer, json={**plan, "amount": "-1"})
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "amount"


def test_another_institution_cannot_add_evidence(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "orchard")
    _, bank1 = api.officer("Bank one")
    _, bank2 = api.officer("Bank two")
    api.consent(bank1, merchant, scope=["sales", "purchase_plans", "account_flows"])
    plan = {"description": "Buy up pears", "amount": "1000.00", "start": "2027-08-01", "end": "2027-08-20"}
    assert api.client.post(f"/v1/merchants/{merchant}/purchase-plans", headers=bank2, json=plan).status_code == 403
    assert api.client.post(f"/v1/merchants/{merchant}/account-flows", headers={**bank2, "content-type": "text/csv"}, content="day,inflow,outflow\n").status_code == 403
