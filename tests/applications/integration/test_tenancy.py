"""A platform sees and writes only its own merchants; an officer only their institution's applications."""

from __future__ import annotations

import datetime as dt

from tests.applications.integration.flows import decide

NOW = dt.datetime.now(dt.UTC)
WHEN = (NOW - dt.timedelta(days=2)).isoformat()


def _two_platforms(api):
    _, a = api.platform("A")
    _, b = api.platform("B")
    api.merchant(a, "shared-ref")
    return a, b


def test_platform_cannot_read_another_platforms_merchant(api):
    a, b = _two_platforms(api)
    assert api.client.get("/v1/platform/merchants/shared-ref", headers=a).status_code == 200
    assert api.client.get("/v1/platform/merchants/shared-ref", headers=b).status_code == 404


def test_platform_registering_same_ref_gets_its_own_merchant(api):
    a, b = _two_platforms(api)
    mine = api.client.get("/v1/platform/merchants/shared-ref", headers=a).json()["id"]
    theirs = api.merchant(b, "shared-ref")
    assert theirs != mine


def test_platform_cannot_push_orders_for_another_platforms_merchant(api):
    _a, b = _two_platforms(api)
    r = api.client.post("/v1/platform/orders:batch", headers=b, json={"rows": [
        {"order_id": "x", "merchant_ref": "shared-ref", "sold_at": WHEN, "amount": "9.99"}]}).json()
    assert r["accepted"] == 0 and r["errors"][0]["reason"] == "unknown merchant"


def test_platform_cannot_push_payouts_for_another_platforms_merchant(api):
    _a, b = _two_platforms(api)
    r = api.client.post("/v1/platform/payouts:batch", headers=b, json={"rows": [
        {"payout_id": "x", "merchant_ref": "shared-ref", "paid_at": WHEN, "amount": "9.99"}]}).json()
    assert r["accepted"] == 0 and r["errors"][0]["reason"] == "unknown merchant"


def test_platform_cannot_refund_another_platforms_order(api):
    a, b = _two_platforms(api)
    api.client.post("/v1/platform/orders:batch", headers=a, json={"rows": [
        {"order_id": "o-a", "merchant_ref": "shared-ref", "sold_at": WHEN, "amount": "20.00"}]})
    r = api.client.post("/v1/platform/refunds:batch", headers=b, json={"rows": [
        {"order_id": "o-a", "refunded_at": NOW.isoformat(), "amount": "5.00"}]}).json()
    assert r["accepted"] == 0 and r["errors"][0]["reason"] == "unknown order"


def test_platform_keys_cannot_use_officer_or_admin_endpoints(api):
    a, _ = _two_platforms(api)
    assert api.client.post("/v1/platforms", json={"name": "X"}, headers=a).status_code == 403
    assert api.client.get("/v1/applications", headers=a).status_code == 403


def _officers_and_application(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "m-1")
    _, bank1 = api.officer("Bank one")
    _, bank2 = api.officer("Bank two")
    api.consent(bank1, merchant)
    app = api.client.post("/v1/applications", headers=bank1, json={"merchant_id": merchant, "amount": "1000.00", "term_days": 30, "purpose": "festival_stock"}).json()
    return bank1, bank2, app["id"], merchant


def test_officer_cannot_read_another_institutions_application(api):
    bank1, bank2, app_id, _ = _officers_and_application(api)
    assert api.client.get(f"/v1/applications/{app_id}", headers=bank1).status_code == 200
    assert api.client.get(f"/v1/applications/{app_id}", headers=bank2).status_code == 404


def test_officer_list_shows_only_own_institution(api):
    bank1, bank2, app_id, _ = _officers_and_application(api)
    assert [a["id"] for a in api.client.get("/v1/applications", headers=bank1).json()["items"]] == [app_id]
    assert api.client.get("/v1/applications", headers=bank2).json()["items"] == []


def test_officer_cannot_read_another_institutions_audit(api):
    _bank1, bank2, app_id, _ = _officers_and_application(api)
    assert api.client.get(f"/v1/applications/{app_id}/audit", headers=bank2).status_code == 404


def test_officer_cannot_withdraw_another_institutions_application(api):
    bank1, bank2, app_id, _ = _officers_and_application(api)
    assert api.client.post(f"/v1/applications/{app_id}/withdraw", headers=bank2).status_code == 404
    assert api.client.get(f"/v1/applications/{app_id}", headers=bank1).json()["status"] == "forecasting"


def test_officer_cannot_override_another_institutions_application(api):
    bank1, bank2, app_id, merchant = _officers_and_application(api)
    decide(api, app_id, merchant, "refer")
    r = api.client.post(f"/v1/applications/{app_id}/override", headers=bank2, json={"outcome": "approve", "reason_code": "other", "reason": "looks fine to me"})
    assert r.status_code == 404
    assert api.client.get(f"/v1/applications/{app_id}", headers=bank1).json()["status"] == "referred"


def test_consent_for_one_institution_does_not_let_another_apply(api):
    _bank1, bank2, _, merchant = _officers_and_application(api)
    r = api.client.post("/v1/applications", headers=bank2, json={"merchant_id": merchant, "amount": "1000.00", "term_days": 30, "purpose": "festival_stock"})
    assert r.status_code == 403
