"""Officers override the model both ways, within the product's limits, with a reason code; the
model's decision stays beside the override, the audit trail and the metrics record it."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.applications.integration.flows import decide, setup
from tests.applications.integration.loan_setup import TODAY


def _apply(api, officer, merchant, amount: str = "25000.00", term_days: int = 90) -> str:
    r = api.client.post("/v1/applications", headers=officer, json={
        "merchant_id": merchant, "amount": amount, "term_days": term_days, "purpose": "festival_stock"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _overrides(direction: str, grade: str) -> float:
    return REGISTRY.get_sample_value("ruralcredit_overrides_total", {"direction": direction, "grade": grade}) or 0.0


def _override(api, officer, app_id: str, **body):
    return api.client.post(f"/v1/applications/{app_id}/override", headers=officer, json=body)


def test_officer_approves_a_decline_within_the_product_limits(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app_id = _apply(api, officer, merchant, amount="250000.00", term_days=120)
    decide(api, app_id, merchant, "decline", grade="D")
    before = _overrides("decline_to_approve", "D")
    contract = {"outcome": "approve", "reason_code": "purchase_contract", "reason": "signed purchase contract with the county co-op"}

    # The model proposed nothing, so the request stands in: above the product maximum.
    over = _override(api, officer, app_id, **contract)
    assert over.status_code == 422 and over.headers["content-type"].startswith("application/problem+json")
    assert over.json()["errors"][0]["field"] == "amount" and "200000" in over.json()["errors"][0]["reason"]
    assert _override(api, officer, app_id, **contract, amount="150000.00", term_days=400).status_code == 422
    too_long = _override(api, officer, app_id, **contract, amount="150000.00", term_days=364)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "term_days"
    wrong_ground = _override(api, officer, app_id, **{**contract, "reason_code": "business_closed"}, amount="150000.00")
    assert wrong_ground.status_code == 422 and wrong_ground.json()["errors"][0]["field"] == "reason_code"
    unknown = _override(api, officer, app_id, **{**contract, "reason_code": "friend_of_mine"}, amount="150000.00")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "reason_code"
    assert api.client.get(f"/v1/applications/{app_id}", headers=officer).json()["status"] == "declined"
    assert _overrides("decline_to_approve", "D") == before, "a refused override is not counted"

    r = _override(api, officer, app_id, **contract, amount="150000.00")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "approved"
    assert got["decision"]["outcome"] == "decline", "the model's decision is kept beside the override"
    assert got["override"]["direction"] == "decline_to_approve" and got["override"]["model_outcome"] == "decline"
    assert got["override"]["reason_code"] == "purchase_contract" and got["override"]["grade"] == "D"
    assert got["override"]["amount"] == "150000.00" and got["override"]["term_days"] == 90, "the model's term stands when none is given"
    assert _overrides("decline_to_approve", "D") == before + 1

    audit = api.client.get(f"/v1/applications/{app_id}/audit", headers=officer).json()
    assert [a["action"] for a in audit][-2:] == ["status:declined", "status:approved"]
    last = audit[-1]
    assert last["actor"].startswith("off_") and last["model_version"] == "m-test-1"
    assert {
        "from": "declined", "override": True, "direction": "decline_to_approve", "reason_code": "purchase_contract",
        "model_outcome": "decline", "amount": "150000.00", "term_days": 90,
    }.items() <= last["detail"].items()
    assert _override(api, officer, app_id, outcome="decline", reason_code="other", reason="second thoughts").status_code == 409


def test_officer_declines_an_approval_and_the_audit_trail_keeps_both(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app_id = _apply(api, officer, merchant)
    decide(api, app_id, merchant, "approve", grade="A")
    before = _overrides("approve_to_decline", "A")
    closed = {"outcome": "decline", "reason_code": "business_closed", "reason": "field visit: shop shut for two weeks, stock gone"}

    with_terms = _override(api, officer, app_id, **closed, amount="1000.00")
    assert with_terms.status_code == 422 and with_terms.json()["errors"][0]["field"] == "amount"
    assert _override(api, officer, app_id, **{**closed, "reason_code": "purchase_contract"}).status_code == 422
    assert _override(api, officer, app_id, **{**closed, "outcome": "approve", "reason_code": "other"}).status_code == 409

    r = _override(api, officer, app_id, **closed)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "declined" and got["decision"]["outcome"] == "approve" and got["decision"]["limit"] == "20000.00"
    assert got["override"]["direction"] == "approve_to_decline" and got["override"]["amount"] is None
    assert _overrides("approve_to_decline", "A") == before + 1

    audit = api.client.get(f"/v1/applications/{app_id}/audit", headers=officer).json()
    assert [a["action"] for a in audit] == ["submitted", "status:forecasting", "status:scored", "status:approved", "status:declined"]
    assert audit[3]["actor"] == "scoring" and audit[3]["model_version"] == "m-test-1"
    assert audit[-1]["detail"]["direction"] == "approve_to_decline" and audit[-1]["detail"]["reason"].startswith("field visit")
    assert _override(api, officer, app_id, outcome="approve", reason_code="other", reason="it reopened").status_code == 409


def test_an_approval_paid_out_is_not_declined_by_an_override(api):
    officer, merchant = setup(api)
    api.consent(officer, merchant)
    app_id = _apply(api, officer, merchant)
    decide(api, app_id, merchant, "approve", grade="A")
    paid = api.client.post(f"/v1/applications/{app_id}/disbursement", headers=officer,
                           json={"amount": "20000.00", "disbursed_on": TODAY.isoformat(), "annual_rate": "0.0620"})
    assert paid.status_code in (200, 201), paid.text
    r = _override(api, officer, app_id, outcome="decline", reason_code="business_closed", reason="closed after the payout")
    assert r.status_code == 409 and "paid out" in r.json()["detail"]
    assert api.client.get(f"/v1/applications/{app_id}", headers=officer).json()["status"] == "approved"


def test_override_counters_start_at_zero_for_every_direction_and_grade(api):
    text = api.client.get("/metrics").text
    for direction in ("decline_to_approve", "approve_to_decline", "refer_to_approve", "refer_to_decline"):
        for grade in ("A", "E", "none"):
            assert f'ruralcredit_overrides_total{{direction="{direction}",grade="{grade}"}}' in text
