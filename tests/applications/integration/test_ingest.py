"""Sales ingestion over HTTP: row-level validation, idempotency, events queued per merchant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ruralcredit_common.contracts import sales

NOW = dt.datetime.now(dt.UTC)


def order(i: int, ref: str = "shop-1", amount: str = "100.00", **kw):
    row = {"order_id": f"o-{i}", "merchant_ref": ref, "sold_at": (NOW - dt.timedelta(days=3)).isoformat(), "amount": amount, "category": "fruit"}
    row.update(kw)
    return row


def test_mixed_batch_stores_good_rows_and_reports_bad_ones(api):
    _, plat = api.platform("P1")
    api.merchant(plat, "shop-1")
    rows = [
        order(1),
        order(2, amount="-5.00"),
        order(3, ref="nobody"),
        order(4, sold_at=(NOW + dt.timedelta(days=2)).isoformat()),
        order(5, currency="USD"),
        order(6, amount="12.345"),
        {"order_id": "o-7"},
        "not an object",
        order(8, amount="50.50"),
    ]
    r = api.client.post("/v1/platform/orders:batch", json={"rows": rows}, headers=plat)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 2 and body["rejected"] == 7
    by_index = {e["index"]: e for e in body["errors"]}
    assert by_index[1]["field"] == "amount"
    assert by_index[2] == {"index": 2, "field": "merchant_ref", "reason": "unknown merchant"}
    assert by_index[3]["field"] == "sold_at" and "future" in by_index[3]["reason"]
    assert by_index[4]["field"] == "currency"
    assert by_index[5]["field"] == "amount"
    assert set(by_index) == {1, 2, 3, 4, 5, 6, 7}
    [event] = api.outbox(sales.TOPIC)
    [increments] = api.sales_increments()
    day = increments["days"][0]
    assert day["orders"] == 2 and Decimal(day["gross_sales"]) == Decimal("150.50")
    assert event["key"] == increments["merchant_id"]


def test_repush_is_idempotent_and_reported_as_duplicates(api):
    _, plat = api.platform("P1")
    api.merchant(plat, "shop-1")
    rows = [order(i) for i in range(10)]
    first = api.client.post("/v1/platform/orders:batch", json={"rows": rows}, headers=plat).json()
    again = api.client.post("/v1/platform/orders:batch", json={"rows": [*rows, order(10)]}, headers=plat).json()
    assert first["accepted"] == 10 and first["duplicates"] == []
    assert again["accepted"] == 1 and again["duplicates"] == list(range(10))
    in_batch = api.client.post("/v1/platform/orders:batch", json={"rows": [order(20), order(20)]}, headers=plat).json()
    assert in_batch["accepted"] == 1 and in_batch["duplicates"] == [1]
    total = sum(d["orders"] for m in api.sales_increments() for d in m["days"])
    assert total == 12, "duplicates must not be counted again downstream"


def test_idempotency_key_replays_the_first_answer(api):
    _, plat = api.platform("P1")
    api.merchant(plat, "shop-1")
    headers = {**plat, "Idempotency-Key": "batch-0001"}
    body = {"rows": [order(1), order(2, amount="-1")]}
    first = api.client.post("/v1/platform/orders:batch", json=body, headers=headers)
    retry = api.client.post("/v1/platform/orders:batch", json=body, headers=headers)
    assert retry.status_code == first.status_code == 200
    assert retry.json() == first.json()
    assert len(api.outbox(sales.TOPIC)) == 1
    other = api.client.post("/v1/platform/orders:batch", json={"rows": [order(3)]}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_refunds_and_payouts(api):
    _, plat = api.platform("P1")
    api.merchant(plat, "shop-1")
    api.client.post("/v1/platform/orders:batch", json={"rows": [order(1, amount="80.00")]}, headers=plat)
    later = (NOW - dt.timedelta(days=1)).isoformat()
    r = api.client.post("/v1/platform/refunds:batch", headers=plat, json={"rows": [
        {"order_id": "o-1", "refund_id": "r-1", "refunded_at": later, "amount": "30.00"},
        {"order_id": "o-1", "refund_id": "r-2", "refunded_at": later, "amount": "60.00"},
        {"order_id": "o-404", "refunded_at": later, "amount": "1.00"},
        {"order_id": "o-1", "refund_id": "r-3", "refunded_at": later, "amount": "50.00"},
    ]}).json()
    assert r["accepted"] == 2
    assert {(e["index"], e["field"]) for e in r["errors"]} == {(1, "amount"), (2, "order_id")}
    p = api.client.post("/v1/platform/payouts:batch", headers=plat, json={"rows": [
        {"payout_id": "p-1", "merchant_ref": "shop-1", "paid_at": later, "amount": "48.40"},
        {"payout_id": "p-1", "merchant_ref": "shop-1", "paid_at": later, "amount": "48.40"},
    ]}).json()
    assert p["accepted"] == 1 and p["duplicates"] == [1]
    days = [d for m in api.sales_increments() for d in m["days"]]
    assert sum(Decimal(d["refunds"]) for d in days) == Decimal("80.00")
    assert sum(Decimal(d["payouts"]) for d in days) == Decimal("48.40")


def test_oversized_and_malformed_bodies(api):
    _, plat = api.platform("P1")
    too_many = api.client.post("/v1/platform/orders:batch", json={"rows": [{}] * 5001}, headers=plat)
    assert too_many.status_code == 413
    huge = api.client.post("/v1/platform/orders:batch", content=b'{"rows": ["' + b"x" * (5 * 1024 * 1024) + b'"]}', headers={**plat, "content-type": "application/json"})
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("application/problem+json")
    bad = api.client.post("/v1/platform/orders:batch", content=b"{nope", headers=plat)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["reason"] == "not valid JSON"


def test_every_endpoint_needs_a_key(api):
    paths = [r for r in api.client.app.openapi()["paths"].items() if not r[0].endswith(("healthz", "readyz", "metrics"))]
    assert paths
    for path, methods in paths:
        for method in methods:
            url = path.replace("{", "").replace("}", "")
            r = api.client.request(method.upper(), url, json={})
            assert r.status_code == 401, f"{method.upper()} {path} answered {r.status_code} without a key"


def test_the_merchants_produce_travels_with_its_sales(api):
    _, plat = api.platform("P1")
    farm = {"merchant_ref": "farm-1", "name": "Baise Mango Farm", "county": "Tianyang", "category": "fruit",
            "onboarded_on": "2024-01-01", "produce": "mango"}
    r = api.client.put("/v1/platform/merchants/farm-1", json=farm, headers=plat)
    assert r.status_code == 200 and r.json()["produce"] == "mango"
    r = api.client.put("/v1/platform/merchants/farm-2", json={**farm, "merchant_ref": "farm-2", "produce": "durian"}, headers=plat)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "produce"
    api.merchant(plat, "shop-1")  # sells all year: no produce

    rows = [order(1, ref="farm-1"), order(2, ref="shop-1")]
    assert api.client.post("/v1/platform/orders:batch", json={"rows": rows}, headers=plat).json()["accepted"] == 2
    produce = {m["merchant_id"]: m.get("produce") for m in api.sales_increments()}
    farm_id = api.client.get("/v1/platform/merchants/farm-1", headers=plat).json()["id"]
    assert produce.pop(farm_id) == "mango"
    assert list(produce.values()) == [None]


def test_a_batch_over_many_merchants_is_one_event_per_partition(api):
    from ruralcredit_common.kafka import partition_for

    _, plat = api.platform("P1")
    refs = [f"shop-{i}" for i in range(40)]
    ids = {api.merchant(plat, ref): ref for ref in refs}
    rows = [order(i, ref=refs[i % 40]) for i in range(200)]
    assert api.client.post("/v1/platform/orders:batch", json={"rows": rows}, headers=plat).json()["accepted"] == 200
    partitions = api.runtime.settings.topic_partitions
    events = api.outbox(sales.TOPIC)
    assert len(events) <= partitions < len(refs)
    for event in events:
        merchants = [m["merchant_id"] for m in event["payload"]["merchants"]]
        assert {partition_for(m, partitions) for m in merchants} == {partition_for(event["key"], partitions)}
    increments = api.sales_increments()
    assert sorted(m["merchant_id"] for m in increments) == sorted(ids)
    assert sum(d["orders"] for m in increments for d in m["days"]) == 200
