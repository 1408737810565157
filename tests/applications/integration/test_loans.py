"""Loans over HTTP against a real database: disbursement, the daily days-past-due job, write-off,
tenancy, and the events each change queues on loans.v1."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

from ruralcredit_applications.bootstrap import count_arrears
from ruralcredit_common.contracts import loans
from tests.applications.integration.conftest import ADMIN
from tests.applications.integration.loan_setup import TODAY, approved_application, disburse


def loan_events(api) -> list[dict]:
    return api.outbox(loans.TOPIC)


def test_an_approved_application_becomes_a_loan_with_its_schedule_and_audit(api):
    t = approved_application(api)
    r = disburse(api, t, external_ref="CBS-1")
    assert r.status_code == 201, r.text
    loan = r.json()
    assert loan["status"] == "disbursed" and loan["annual_rate"] == "0.065000" and loan["term_days"] == 60
    assert loan["default_after_days"] == 90
    assert sum(Decimal(i["principal"]) for i in loan["schedule"]) == Decimal("20000.00")
    assert len(loan["schedule"]) == 4 and Decimal(loan["outstanding_principal"]) == Decimal("20000.00")
    [event] = loan_events(api)
    assert event["type"] == loans.DISBURSED and event["key"] == t["merchant"] and event["correlation_id"] == t["application"]
    p = event["payload"]
    assert (p["grade"], p["model_version"], p["model_outcome"], p["overridden"]) == ("B", "m-test-1", "approve", False)
    assert [i["due"] for i in p["schedule"]] == [i["due"] for i in loan["schedule"]]
    audit = api.client.get(f"/v1/applications/{t['application']}/audit", headers=t["officer"]).json()
    assert audit[-1]["action"] == "loan:disbursed" and audit[-1]["detail"]["loan_id"] == loan["id"]
    app = api.client.get(f"/v1/applications/{t['application']}", headers=t["officer"]).json()
    assert app["status"] == "approved", "the loan's status is its own; the application stays approved"


def test_disbursement_refusals_name_the_field_or_the_conflict(api):
    t = approved_application(api)
    above = disburse(api, t, amount="20000.01")
    assert above.status_code == 409 and above.json()["errors"][0]["field"] == "amount"
    future = disburse(api, t, on=TODAY + dt.timedelta(days=2))
    assert future.status_code == 409 and future.json()["errors"][0]["field"] == "disbursed_on"
    assert disburse(api, t, on=TODAY - dt.timedelta(days=30)).json()["errors"][0]["reason"] == "is before the application was submitted"
    assert disburse(api, t).status_code == 201
    again = disburse(api, t)
    assert again.status_code == 409 and "already disbursed" in again.json()["detail"]
    plat = api.client.post(f"/v1/applications/{t['application']}/disbursement", headers=t["platform"],
                           json={"amount": "1.00", "disbursed_on": TODAY.isoformat()})
    assert plat.status_code == 403


def test_only_an_approved_application_is_disbursed_and_an_unpriced_one_needs_its_rate(api):
    t = approved_application(api)
    _, other = api.officer("Other bank")
    stranger = api.client.post(f"/v1/applications/{t['application']}/disbursement", headers=other,
                               json={"amount": "1.00", "disbursed_on": TODAY.isoformat()})
    assert stranger.status_code == 404
    app = api.client.post("/v1/applications", headers=t["officer"], json={
        "merchant_id": t["merchant"], "amount": "5000.00", "term_days": 30, "purpose": "festival_stock"}).json()
    r = api.client.post(f"/v1/applications/{app['id']}/disbursement", headers=t["officer"],
                        json={"amount": "1000.00", "disbursed_on": TODAY.isoformat()})
    assert r.status_code == 409 and "forecasting" in r.json()["detail"]


def test_the_banks_core_system_has_its_own_key_and_each_tenant_sees_only_its_loans(api):
    t = approved_application(api)
    r = api.client.post(f"/v1/institutions/{t['institution']}/keys", headers=ADMIN)
    assert r.status_code == 201 and r.json()["api_key"].startswith("bank_")
    core = {"X-API-Key": r.json()["api_key"]}
    loan = api.client.post(f"/v1/applications/{t['application']}/disbursement", headers=core,
                           json={"amount": "15000.00", "disbursed_on": TODAY.isoformat()}).json()
    audit = api.client.get(f"/v1/loans/{loan['id']}/audit", headers=t["officer"]).json()
    assert audit[0]["actor"] == f"bank:{t['institution']}"
    _, other_platform = api.platform("Other platform")
    _, other_bank = api.officer("Other bank")
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=t["platform"]).status_code == 200, "the platform deducts it"
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=core).status_code == 200
    for outsider in (other_platform, other_bank):
        assert api.client.get(f"/v1/loans/{loan['id']}", headers=outsider).status_code == 404
        assert api.client.get("/v1/loans", headers=outsider).json()["items"] == []
    assert [x["id"] for x in api.client.get("/v1/loans", headers=t["platform"]).json()["items"]] == [loan["id"]]
    naive = base64.urlsafe_b64encode(b"2026-01-01T00:00:00|loan_x").decode()
    for cursor in (naive, "not-a-cursor", base64.urlsafe_b64encode(b"\xff").decode()):
        r = api.client.get("/v1/loans", params={"cursor": cursor}, headers=core)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    assert api.client.get("/v1/applications", headers=core).status_code == 403, "the core system does not decide"


def _deduct(api, t, loan, rid, amount, when=None):
    paid = (when or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    return api.client.post("/v1/platform/repayments:batch", headers=t["platform"], json={"rows": [
        {"repayment_id": rid, "loan_id": loan["id"], "paid_at": paid, "amount": amount}]}).json()


def test_a_loan_goes_current_in_arrears_and_repaid_and_the_daily_job_is_safe_to_run_twice(api):
    t = approved_application(api)
    loan = disburse(api, t).json()
    first, second = loan["schedule"][0], loan["schedule"][1]
    assert _deduct(api, t, loan, "d-1", str(Decimal(first["principal"]) + Decimal(first["interest"])))["accepted"] == 1
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()["status"] == "current"

    late = dt.date.fromisoformat(second["due"]) + dt.timedelta(days=3)
    assert count_arrears(api.runtime, late) == 1
    assert count_arrears(api.runtime, late) == 0, "a second run the same day counts nothing again"
    now = api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()
    assert (now["status"], now["days_past_due"]) == ("in_arrears", 3)
    arrears = [e["payload"] for e in loan_events(api) if e["type"] == loans.ARREARS_CHANGED]
    assert [(a["previous_bucket"], a["bucket"], a["status"]) for a in arrears] == [("current", "1-29", "in_arrears")]
    listed = api.client.get("/v1/loans", params={"status": "in_arrears"}, headers=t["officer"]).json()["items"]
    assert [x["id"] for x in listed] == [loan["id"]]

    rest = str(sum(Decimal(i["principal"]) + Decimal(i["interest"]) for i in loan["schedule"][1:]) + Decimal("10.00"))
    r = api.client.post("/v1/bank/repayments:batch", headers=t["officer"], json={"rows": [
        {"repayment_id": "r-1", "loan_id": loan["id"], "paid_at": dt.datetime.now(dt.UTC).isoformat(), "amount": rest}]}).json()
    assert r["accepted"] == 1
    done = api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()
    assert (done["status"], done["closed_on"], done["max_days_past_due"]) == ("repaid", TODAY.isoformat(), 3)
    repaid = api.client.get(f"/v1/loans/{loan['id']}/repayments", headers=t["platform"]).json()
    assert [(x["source"], x["unallocated"]) for x in repaid] == [("platform", "0.00"), ("bank", "10.00")]
    types = [e["type"] for e in loan_events(api)]
    assert types == [loans.DISBURSED, loans.REPAYMENT_RECORDED, loans.ARREARS_CHANGED, loans.REPAYMENT_RECORDED,
                     loans.ARREARS_CHANGED, loans.REPAID]
    assert count_arrears(api.runtime, late + dt.timedelta(days=1)) == 0, "a repaid loan is no longer counted"
    actions = [a["action"] for a in api.client.get(f"/v1/loans/{loan['id']}/audit", headers=t["officer"]).json()]
    assert actions == ["loan:disbursed", "loan:repayment", "loan:status:current", "loan:status:in_arrears",
                       "loan:repayment", "loan:status:repaid"]


def test_ninety_days_past_due_is_a_default_and_a_written_off_loan_stays_written_off(api):
    t = approved_application(api)
    loan = disburse(api, t).json()
    due = dt.date.fromisoformat(loan["schedule"][0]["due"])
    count_arrears(api.runtime, due + dt.timedelta(days=89))
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()["status"] == "in_arrears"
    count_arrears(api.runtime, due + dt.timedelta(days=90))
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()["status"] == "defaulted"
    [defaulted] = [e["payload"] for e in loan_events(api) if e["type"] == loans.DEFAULTED]
    assert defaulted["days_past_due"] == 90 and defaulted["outstanding_principal"] == "20000.00"
    r = api.client.post(f"/v1/loans/{loan['id']}/write-off", headers=t["platform"], json={"reason": "gone away"})
    assert r.status_code == 403
    r = api.client.post(f"/v1/loans/{loan['id']}/write-off", headers=t["officer"], json={"reason": "Collection exhausted"})
    assert r.status_code == 200 and r.json()["status"] == "written_off"
    again = api.client.post(f"/v1/loans/{loan['id']}/write-off", headers=t["officer"], json={"reason": "Collection exhausted"})
    assert again.status_code == 409
    assert loan_events(api)[-1]["type"] == loans.WRITTEN_OFF
    # A recovery after the write-off is still recorded and allocated; the status stays.
    assert _deduct(api, t, loan, "late-1", "500.00")["accepted"] == 1
    assert api.client.get(f"/v1/loans/{loan['id']}", headers=t["officer"]).json()["status"] == "written_off"
