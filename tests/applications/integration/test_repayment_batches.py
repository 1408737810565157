"""Repayment batches keep the rules of sales batches: row-level errors, duplicates reported, the
Idempotency-Key replayed, tenancy, bounded size, and every accepted repayment allocated and announced once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ruralcredit_common.contracts import loans
from tests.applications.integration.loan_setup import approved_application, disburse

NOW = dt.datetime.now(dt.UTC)
PLATFORM_BATCH = "/v1/platform/repayments:batch"
BANK_BATCH = "/v1/bank/repayments:batch"


def row(i: int, loan_id: str, amount: str = "100.00", **kw):
    out = {"repayment_id": f"rp-{i}", "loan_id": loan_id, "paid_at": (NOW - dt.timedelta(minutes=10)).isoformat(), "amount": amount}
    out.update(kw)
    return out


@pytest.fixture
def loan(api):
    t = approved_application(api)
    t["loan"] = disburse(api, t).json()["id"]
    return t


def _recorded(api) -> list[dict]:
    return [e["payload"] for e in api.outbox(loans.TOPIC) if e["type"] == loans.REPAYMENT_RECORDED]


@pytest.mark.parametrize(("url", "who"), [(PLATFORM_BATCH, "platform"), (BANK_BATCH, "officer")])
def test_mixed_batch_stores_good_rows_and_reports_bad_ones(api, loan, url, who):
    lid = loan["loan"]
    rows = [
        row(1, lid),
        row(2, lid, amount="-5.00"),
        row(3, "loan_nobody"),
        row(4, lid, paid_at=(NOW + dt.timedelta(days=2)).isoformat()),
        row(5, lid, currency="USD"),
        row(6, lid, amount="12.345"),
        {"repayment_id": "rp-7"},
        "not an object",
        row(8, lid, paid_at=(NOW - dt.timedelta(days=5)).isoformat()),
        row(9, lid, amount="50.50"),
    ]
    r = api.client.post(url, json={"rows": rows}, headers=loan[who])
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 2 and body["rejected"] == 8
    by_index = {e["index"]: e for e in body["errors"]}
    assert by_index[1]["field"] == "amount"
    assert by_index[2] == {"index": 2, "field": "loan_id", "reason": "unknown loan"}
    assert by_index[3]["field"] == "paid_at" and "future" in by_index[3]["reason"]
    assert by_index[4]["field"] == "currency"
    assert by_index[5]["field"] == "amount"
    assert by_index[8] == {"index": 8, "field": "paid_at", "reason": "is before the loan was disbursed"}
    assert set(by_index) == {1, 2, 3, 4, 5, 6, 7, 8}
    recorded = _recorded(api)
    assert [(p["repayment_id"], p["amount"]) for p in recorded] == [("rp-1", "100.00"), ("rp-9", "50.50")]
    state = api.client.get(f"/v1/loans/{lid}", headers=loan["officer"]).json()
    paid = sum(Decimal(i["principal_paid"]) + Decimal(i["interest_paid"]) for i in state["schedule"])
    assert paid == Decimal("150.50"), "nothing lost, nothing counted twice"


def test_repush_is_idempotent_and_reported_as_duplicates(api, loan):
    lid = loan["loan"]
    rows = [row(i, lid, amount="10.00") for i in range(10)]
    first = api.client.post(PLATFORM_BATCH, json={"rows": rows}, headers=loan["platform"]).json()
    again = api.client.post(PLATFORM_BATCH, json={"rows": [*rows, row(10, lid, amount="10.00")]}, headers=loan["platform"]).json()
    assert first["accepted"] == 10 and first["duplicates"] == []
    assert again["accepted"] == 1 and again["duplicates"] == list(range(10))
    in_batch = api.client.post(PLATFORM_BATCH, json={"rows": [row(20, lid, amount="10.00"), row(20, lid, amount="10.00")]},
                               headers=loan["platform"]).json()
    assert in_batch["accepted"] == 1 and in_batch["duplicates"] == [1]
    assert len(_recorded(api)) == 12, "duplicates must not be allocated or announced again"
    repayments = api.client.get(f"/v1/loans/{lid}/repayments", headers=loan["officer"]).json()
    assert sum(Decimal(x["amount"]) for x in repayments) == Decimal("120.00")
    # The bank names its repayments in its own space: the platform's ids are not its duplicates.
    bank = api.client.post(BANK_BATCH, json={"rows": [row(1, lid, amount="10.00")]}, headers=loan["officer"]).json()
    assert bank["accepted"] == 1 and bank["duplicates"] == []


def test_idempotency_key_replays_the_first_answer(api, loan):
    headers = {**loan["platform"], "Idempotency-Key": "deductions-0001"}
    body = {"rows": [row(1, loan["loan"]), row(2, loan["loan"], amount="-1")]}
    first = api.client.post(PLATFORM_BATCH, json=body, headers=headers)
    retry = api.client.post(PLATFORM_BATCH, json=body, headers=headers)
    assert retry.status_code == first.status_code == 200
    assert retry.json() == first.json()
    assert len(_recorded(api)) == 1
    other = api.client.post(PLATFORM_BATCH, json={"rows": [row(3, loan["loan"])]}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # The same key for another kind of batch is another batch, not a replay.
    orders = api.client.post("/v1/platform/orders:batch", json=body, headers=headers)
    assert orders.status_code == 422 and orders.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_platform_or_bank_cannot_repay_another_tenants_loan(api, loan):
    other = approved_application(api, bank="Bank two", platform="P2", ref="m-2")
    for url, who in ((PLATFORM_BATCH, "platform"), (BANK_BATCH, "officer")):
        r = api.client.post(url, json={"rows": [row(1, loan["loan"])]}, headers=other[who]).json()
        assert r["accepted"] == 0 and r["errors"][0] == {"index": 0, "field": "loan_id", "reason": "unknown loan"}
    assert _recorded(api) == []
    assert api.client.post(BANK_BATCH, json={"rows": []}, headers=loan["platform"]).status_code == 403
    assert api.client.post(PLATFORM_BATCH, json={"rows": []}, headers=loan["officer"]).status_code == 403


def test_oversized_and_malformed_bodies(api, loan):
    too_many = api.client.post(PLATFORM_BATCH, json={"rows": [{}] * 5001}, headers=loan["platform"])
    assert too_many.status_code == 413
    bad = api.client.post(BANK_BATCH, content=b"{nope", headers=loan["officer"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["reason"] == "not valid JSON"
    extra = api.client.post(BANK_BATCH, json={"rows": [], "more": 1}, headers=loan["officer"])
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "more"


def test_a_batch_is_allocated_in_order_of_payment_interest_before_principal(api, loan):
    state = api.client.get(f"/v1/loans/{loan['loan']}", headers=loan["officer"]).json()
    first = state["schedule"][0]
    earlier, later = (NOW - dt.timedelta(minutes=m) for m in (30, 5))
    r = api.client.post(BANK_BATCH, headers=loan["officer"], json={"rows": [
        row(2, loan["loan"], amount="1000.00", paid_at=later.isoformat()),
        row(1, loan["loan"], amount=first["interest"], paid_at=earlier.isoformat()),
    ]}).json()
    assert r["accepted"] == 2
    [a, b] = _recorded(api)
    assert (a["repayment_id"], a["interest"], a["principal"]) == ("rp-1", first["interest"], "0.00")
    assert (b["repayment_id"], b["interest"], b["principal"]) == ("rp-2", "0.00", "1000.00")
    assert Decimal(b["outstanding_principal"]) == Decimal("19000.00")
