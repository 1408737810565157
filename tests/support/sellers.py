"""A seller with two years of sales on a running suite, and what the cashflow service holds of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text

from ruralcredit_dev.demo import sales_rows


def merchant_with_sales(platform, ref: str, days: int = 400, seed: int = 11):
    """Register a merchant of `platform` and push `days` of its demo orders and payouts; returns its id and orders."""
    today = dt.date.today()
    m = platform.put(f"/v1/platform/merchants/{ref}", json={
        "merchant_ref": ref, "name": "E2E shop", "county": "Tianyang", "category": "groceries", "onboarded_on": str(today - dt.timedelta(days=days)),
    }).json()
    orders, payouts = sales_rows(ref, days, seed, today)
    for kind, rows in (("orders", orders), ("payouts", payouts)):
        for i in range(0, len(rows), 5000):
            r = platform.post(f"/v1/platform/{kind}:batch", json={"rows": rows[i:i + 5000]})
            assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    return m["id"], orders


def cashflow_days(suite, merchant_id: str) -> int:
    """How many days of the merchant's series the running cashflow service holds."""
    engine = create_engine(suite.database_urls["cashflow"])
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM merchant_days WHERE merchant_id = :m"), {"m": merchant_id}).scalar_one()
    finally:
        engine.dispose()
