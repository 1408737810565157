"""Input the applications API refuses with the field and the reason, and a merchant's profile
shown only to whom it belongs to."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.applications.integration.conftest import ADMIN

NOW = dt.datetime.now(dt.UTC)
WHEN = (NOW - dt.timedelta(days=2)).isoformat()
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _errors(r) -> dict[str, str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


def _order(**changes: object) -> dict[str, object]:
    return {"order_id": "o-1", "merchant_ref": "shop-1", "sold_at": WHEN, "amount": "12.50", **changes}


def test_an_uploaded_csv_with_carriage_return_line_ends_is_read(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "shop-1")
    _, officer = api.officer("Bank")
    api.consent(officer, merchant, scope=["sales", "account_flows"])
    days = [YESTERDAY - dt.timedelta(days=i) for i in range(3)]
    body = "day,inflow,outflow\r" + "".join(f"{d},100.00,20.00\r" for d in days)
    r = api.client.post(f"/v1/merchants/{merchant}/account-flows", headers={**officer, "content-type": "text/csv"}, content=body)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 3 and r.json()["errors"] == []


def test_a_csv_that_cannot_be_read_is_a_422(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "shop-1")
    _, officer = api.officer("Bank")
    api.consent(officer, merchant, scope=["account_flows"])
    body = 'day,inflow,outflow\n"2026-01-01' + "x" * 200_000 + '",1,1\n'
    r = api.client.post(f"/v1/merchants/{merchant}/account-flows", headers={**officer, "content-type": "text/csv"}, content=body)
    assert "not readable as CSV" in _errors(r)["(header)"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "P", "settlement_lag_days": False}, "settlement_lag_days"),
    ({"name": "P", "settlement_lag_days": "15"}, "settlement_lag_days"),
    ({"name": "P", "fee_rate": True}, "fee_rate"),
    ({"name": "P", "fee_rate": 0.02}, "fee_rate"),
])
def test_booleans_and_json_numbers_are_not_taken_for_numbers_or_money(api, body, field):
    assert field in _errors(api.client.post("/v1/platforms", json=body, headers=ADMIN))


def test_an_application_term_may_not_be_a_boolean(api):
    _, officer = api.officer("Bank")
    r = api.client.post("/v1/applications", headers=officer,
                        json={"merchant_id": "mer_x", "amount": "100.00", "term_days": True, "purpose": "other"})
    assert "term_days" in _errors(r)


@pytest.mark.parametrize("sold_at", ["0001-01-01T00:00:00+00:00", "1999-12-31T23:59:59+08:00", "2026-06-01 10:00:00+08:00", 1780000000])
def test_a_sale_before_2000_or_not_in_rfc3339_is_refused_with_its_field(api, sold_at):
    _, plat = api.platform("P")
    api.merchant(plat, "shop-1")
    r = api.client.post("/v1/platform/orders:batch", headers=plat, json={"rows": [_order(sold_at=sold_at), _order(order_id="o-2")]})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["accepted"] == 1
    [error] = res["errors"]
    assert error["index"] == 0 and error["field"] == "sold_at" and "2000" in error["reason"]


def test_the_future_ceiling_stays(api):
    _, plat = api.platform("P")
    api.merchant(plat, "shop-1")
    later = (NOW + dt.timedelta(days=3)).isoformat()
    res = api.client.post("/v1/platform/orders:batch", headers=plat, json={"rows": [_order(sold_at=later)]}).json()
    assert res["errors"] == [{"index": 0, "field": "sold_at", "reason": "is in the future"}]


@pytest.mark.parametrize("body", [
    {"granted_by": "owner", "granted_at": "0001-01-01T00:00:00Z", "scope": ["sales"], "expires_at": "2030-01-01T00:00:00Z"},
    {"granted_by": "owner", "granted_at": "2026-01-01T00:00:00Z", "scope": ["sales"], "expires_at": "3000-01-01T00:00:00Z"},
])
def test_consent_dates_have_a_floor_and_a_ceiling(api, body):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "shop-1")
    _, officer = api.officer("Bank")
    errors = _errors(api.client.post(f"/v1/merchants/{merchant}/consents", headers=officer, json=body))
    assert set(errors) & {"granted_at", "expires_at"} and "2000" in next(iter(errors.values()))


@pytest.mark.parametrize("bad", ["o\x00-1", "o-\x1b[31m", "o-\u202e1-o", "o-\x85", " o-1", "o-1\u3000"])
def test_control_and_bidi_characters_are_refused_in_ids(api, bad):
    _, plat = api.platform("P")
    api.merchant(plat, "shop-1")
    res = api.client.post("/v1/platform/orders:batch", headers=plat, json={"rows": [_order(order_id=bad)]}).json()
    assert res["accepted"] == 0 and res["errors"][0]["field"] == "order_id", res
    res = api.client.post("/v1/platform/payouts:batch", headers=plat, json={"rows": [
        {"payout_id": bad, "merchant_ref": "shop-1", "paid_at": WHEN, "amount": "1.00"}]}).json()
    assert res["errors"][0]["field"] == "payout_id", res
    res = api.client.post("/v1/platform/refunds:batch", headers=plat, json={"rows": [
        {"order_id": "o-1", "refund_id": bad, "refunded_at": WHEN, "amount": "1.00"}]}).json()
    assert res["errors"][0]["field"] == "refund_id", res
    r = api.client.put("/v1/platform/merchants/shop-9", headers=plat, json={
        "merchant_ref": bad, "name": "Shop", "county": "Tianyang", "category": "fruit", "onboarded_on": "2024-01-01"})
    assert "merchant_ref" in _errors(r)


def test_control_characters_are_refused_in_the_idempotency_key(api):
    _, plat = api.platform("P")
    api.merchant(plat, "shop-1")
    r = api.client.post("/v1/platform/orders:batch", headers={**plat, "Idempotency-Key": "batch\x1b1"}, json={"rows": [_order()]})
    assert "idempotency-key" in {k.lower() for k in _errors(r)}


def test_a_batch_body_with_unknown_fields_is_refused(api):
    _, plat = api.platform("P")
    r = api.client.post("/v1/platform/orders:batch", headers=plat, json={"rows": [], "surprise": 1})
    assert _errors(r) == {"surprise": "unknown field"}


def test_a_merchants_profile_is_for_its_platform_and_consented_officers(api):
    _, plat = api.platform("P")
    _, other_plat = api.platform("Q")
    merchant = api.merchant(plat, "shop-1")
    _, consented = api.officer("Bank one")
    _, stranger = api.officer("Bank two")
    api.consent(consented, merchant, scope=["sales"])
    path = f"/v1/merchants/{merchant}"
    assert api.client.get(path, headers=plat).json()["merchant_ref"] == "shop-1"
    assert api.client.get(path, headers=consented).json()["id"] == merchant
    # As the forecast, flows and plans endpoints do: an officer without consent gets 403,
    # another platform does not learn that the merchant exists.
    assert api.client.get(path, headers=stranger).status_code == 403
    assert api.client.get(path, headers=other_plat).status_code == 404
    assert api.client.get(path, headers=ADMIN).status_code == 403
    assert api.client.get("/v1/merchants/mer_nobody", headers=consented).status_code == 404


def test_a_registration_names_its_merchant_in_the_path(api):
    _, plat = api.platform("P")
    body = {"name": "Shop", "county": "Tianyang", "category": "fruit", "onboarded_on": "2024-01-01"}
    assert api.client.put("/v1/platform/merchants/shop-1", headers=plat, json=body).json()["merchant_ref"] == "shop-1"
    # Repeating the reference in the body is still accepted when it is the same one.
    assert api.client.put("/v1/platform/merchants/shop-1", headers=plat, json={**body, "merchant_ref": "shop-1"}).status_code == 200
    assert _errors(api.client.put("/v1/platform/merchants/shop-1", headers=plat, json={**body, "merchant_ref": "shop-2"})) == {
        "merchant_ref": "differs from the path"}
