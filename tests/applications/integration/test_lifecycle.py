"""Consent, submission, decision, referral overridden by an officer, withdrawal, audit trail."""

from __future__ import annotations

import base64

from ruralcredit_common.contracts import applications as applications_v1
from tests.applications.integration.flows import decide, setup


def _submit(api, officer, merchant):
    r = api.client.post("/v1/applications", headers=officer, json={"merchant_id": merchant, "amount": "25000.00", "term_days": 90, "purpose": "harvest_purchase"})
    return r


def test_no_consent_no_application(api):
    officer, merchant = setup(api)
    r = _submit(api, officer, merchant)
    assert r.status_code == 403 and "consent" in r.json()["detail"]
    api.consent(officer, merchant, scope=["payouts"])
    assert _submit(api, officer, merchant).status_code == 403, "consent must cover sales data"
    api.consent(officer, merchant)
    assert _submit(api, officer, merchant).status_code == 201


def test_submission_emits_applications_event(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app = _submit(api, officer, merchant).json()
    assert app["status"] == "forecasting"
    [event] = api.outbox(applications_v1.TOPIC)
    assert event["type"] == applications_v1.SUBMITTED and event["correlation_id"] == app["id"]
    assert event["payload"]["amount"] == "25000.00" and event["key"] == merchant


def test_referral_overridden_by_officer_keeps_model_decision_and_audits(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app_id = _submit(api, officer, merchant).json()["id"]
    decide(api, app_id, merchant, "refer")
    decide(api, app_id, merchant, "refer")  # a redelivered decision changes nothing
    got = api.client.get(f"/v1/applications/{app_id}", headers=officer).json()
    assert got["status"] == "referred" and got["decision"]["outcome"] == "refer" and got["grade"] == "B"
    no_reason = api.client.post(f"/v1/applications/{app_id}/override", headers=officer, json={"outcome": "approve", "reason_code": "purchase_contract"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    r = api.client.post(f"/v1/applications/{app_id}/override", headers=officer, json={"outcome": "approve", "reason_code": "purchase_contract", "reason": "visited the orchard; harvest contract signed"})
    assert r.status_code == 200
    got = r.json()
    assert got["status"] == "approved"
    assert got["decision"]["outcome"] == "refer", "the model's decision is kept beside the override"
    assert got["override"]["reason"].startswith("visited")
    again = api.client.post(f"/v1/applications/{app_id}/override", headers=officer, json={"outcome": "decline", "reason_code": "other", "reason": "changed my mind"})
    assert again.status_code == 409
    audit = api.client.get(f"/v1/applications/{app_id}/audit", headers=officer).json()
    actions = [a["action"] for a in audit]
    assert actions == ["submitted", "status:forecasting", "status:scored", "status:referred", "status:approved"]
    assert audit[-1]["detail"]["override"] is True and audit[-1]["model_version"] == "m-test-1"
    assert audit[2]["actor"] == "scoring" and audit[-1]["actor"].startswith("off_")


def test_approve_and_decline_and_withdraw(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    approved = _submit(api, officer, merchant).json()["id"]
    declined = _submit(api, officer, merchant).json()["id"]
    withdrawn = _submit(api, officer, merchant).json()["id"]
    decide(api, approved, merchant, "approve")
    decide(api, declined, merchant, "decline")
    assert api.client.post(f"/v1/applications/{withdrawn}/withdraw", headers=officer).json()["status"] == "withdrawn"
    decide(api, withdrawn, merchant, "approve")
    status = {a["id"]: a["status"] for a in api.client.get("/v1/applications", headers=officer).json()["items"]}
    assert status == {approved: "approved", declined: "declined", withdrawn: "withdrawn"}
    over = {"outcome": "approve", "reason_code": "other", "reason": "not allowed here"}
    assert api.client.post(f"/v1/applications/{withdrawn}/override", headers=officer, json=over).status_code == 409


def test_list_filters_and_cursor_pagination(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    ids = [_submit(api, officer, merchant).json()["id"] for _ in range(5)]
    decide(api, ids[0], merchant, "decline")
    seen, cursor = [], None
    while True:
        page = api.client.get("/v1/applications", headers=officer, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    declined = api.client.get("/v1/applications", headers=officer, params={"status": "declined"}).json()["items"]
    assert [a["id"] for a in declined] == [ids[0]]
    assert api.client.get("/v1/applications", headers=officer, params={"grade": "B"}).json()["items"][0]["id"] == ids[0]
    bad = api.client.get("/v1/applications", headers=officer, params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert api.client.get("/v1/applications", headers=officer, params={"cursor": "garbage"}).status_code == 422
    naive = base64.urlsafe_b64encode(f"2026-06-01T08:00:00|{ids[0]}".encode()).decode()  # a time without its offset
    r = api.client.get("/v1/applications", headers=officer, params={"cursor": naive})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
