"""The demo scenario against a running suite: a village shop's platform pushes two years of
sales, its loan officer submits an application for festival stock, and the decision is printed."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from ruralcredit_common.errors import StartupError

DEMO_PLATFORM = "Demo marketplace"
DEMO_INSTITUTION = "Demo county rural commercial bank"
TZ = dt.timezone(dt.timedelta(hours=8))


def seed(base_url: str, admin_key: str, keys_path: Path) -> dict[str, str]:
    """Create the demo platform, institution and officer (or fresh keys for them); save the keys."""
    with httpx.Client(base_url=base_url, headers={"X-API-Key": admin_key}, timeout=10) as client:
        r = client.post("/v1/platforms", json={"name": DEMO_PLATFORM, "settlement_lag_days": 15, "fee_rate": "0.02"})
        if r.status_code == 409:
            platform = next(p for p in _ok(client.get("/v1/platforms")) if p["name"] == DEMO_PLATFORM)
            platform_key = _ok(client.post(f"/v1/platforms/{platform['id']}/keys"))["api_key"]
        else:
            platform_key = _ok(r)["key"]["api_key"]
        r = client.post("/v1/institutions", json={"name": DEMO_INSTITUTION})
        if r.status_code == 409:
            inst = next(i for i in _ok(client.get("/v1/institutions")) if i["name"] == DEMO_INSTITUTION)
        else:
            inst = _ok(r)
        officer_key = _ok(client.post(f"/v1/institutions/{inst['id']}/officers", json={"name": "Demo officer"}))["key"]["api_key"]
    keys = {"admin": admin_key, "platform": platform_key, "officer": officer_key}
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    keys_path.write_text(json.dumps(keys, indent=2))
    os.chmod(keys_path, 0o600)
    return keys


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise StartupError(f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text[:300]}")
    return r.json()


def simulated_merchant(kind: str, days: int, seed_value: int, today: dt.date) -> Any:
    """The first simulated merchant of `kind` from `seed_value` on, over the `days` before today."""
    from ruralcredit_dev.simulator import KINDS, simulate_merchants

    start = today - dt.timedelta(days=days)
    for s in range(seed_value, seed_value + 500):
        panel = simulate_merchants(1, start=start, n_days=days, seed=s, min_history=days)
        if KINDS[int(panel.params.kind[0])] == kind:
            return panel
    raise ValueError(f"no simulated {kind} found")


def sales_rows(merchant_ref: str, days: int, seed_value: int, today: dt.date, kind: str = "village_shop") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A simulated merchant's orders and payouts over the `days` before today."""
    start = today - dt.timedelta(days=days)
    panel = simulated_merchant(kind, days, seed_value, today)
    rng = np.random.default_rng(seed_value)
    orders, payouts = [], []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        gross = float(np.nan_to_num(panel.gross[0, i]))
        n = max(1, int(gross // 120)) if gross >= 1 else 0
        parts = rng.dirichlet(np.ones(n)) * gross if n else np.zeros(0)
        cents = [round(p, 2) for p in parts if round(p, 2) > 0]
        for j, amount in enumerate(cents):
            sold = dt.datetime.combine(day, dt.time(9 + j % 12, (7 * j) % 60), TZ)
            orders.append({"order_id": f"{merchant_ref}-{i}-{j}", "merchant_ref": merchant_ref, "sold_at": sold.isoformat(), "amount": f"{amount:.2f}", "category": "groceries"})
        paid = round(float(panel.payouts[0, i]), 2)
        if paid > 0:
            payouts.append({"payout_id": f"{merchant_ref}-p{i}", "merchant_ref": merchant_ref, "paid_at": dt.datetime.combine(day, dt.time(2), TZ).isoformat(), "amount": f"{paid:.2f}"})
    return orders, payouts


def run(base_url: str, keys_path: Path, *, amount: str = "20000.00", term_days: int = 60, seed_value: int = 21, timeout: float = 30) -> dict[str, Any]:
    """Drive the scenario and return the application with its decision."""
    if not keys_path.exists():
        raise StartupError(f"no demo keys at {keys_path}: start the suite first (make run)")
    keys = json.loads(keys_path.read_text())
    today = dt.datetime.now(TZ).date()
    ref = f"village-shop-{int(time.time())}"
    plat = httpx.Client(base_url=base_url, headers={"X-API-Key": keys["platform"]}, timeout=60)
    off = httpx.Client(base_url=base_url, headers={"X-API-Key": keys["officer"]}, timeout=30)
    with plat, off:
        merchant = _ok(plat.put(f"/v1/platform/merchants/{ref}", json={
            "merchant_ref": ref, "name": "Nalong village shop (demo)", "county": "Tianyang, Guangxi",
            "category": "groceries", "onboarded_on": str(today - dt.timedelta(days=730)),
        }))
        print(f"platform registered merchant {merchant['id']} ({ref})")
        orders, payouts = sales_rows(ref, 730, seed_value, today)
        for kind, rows in (("orders", orders), ("payouts", payouts)):
            for i in range(0, len(rows), 5000):
                res = _ok(plat.post(f"/v1/platform/{kind}:batch", json={"rows": rows[i:i + 5000]}))
                print(f"  pushed {kind} {i + 1}–{i + len(rows[i:i + 5000])}: accepted {res['accepted']}, rejected {res['rejected']}")
        now = dt.datetime.now(dt.UTC)
        _ok(off.post(f"/v1/merchants/{merchant['id']}/consents", json={
            "granted_by": "Farm owner (demo)", "granted_at": now.isoformat(), "scope": ["sales", "payouts"],
            "expires_at": (now + dt.timedelta(days=365)).isoformat(),
        }))
        # Let cashflow take in the pushed sales before the application asks about them.
        time.sleep(1.0)
        app = _ok(off.post("/v1/applications", json={"merchant_id": merchant["id"], "amount": amount, "term_days": term_days, "purpose": "festival_stock"}))
        print(f"officer submitted application {app['id']}: {amount} CNY for {term_days} days")
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            app = _ok(off.get(f"/v1/applications/{app['id']}"))
            if app["decision"]:
                app["seconds_to_decision"] = round(time.monotonic() - started, 2)
                return app
            time.sleep(0.1)
    raise StartupError(f"no decision within {timeout:.0f}s; see var/*.log")


def describe(app: dict[str, Any]) -> str:
    """The decision in a few readable lines."""
    d = app["decision"]
    lines = [
        f"decision: {d['outcome'].upper()}  (application {app['id']}, status {app['status']}, {app.get('seconds_to_decision', '?')} s)",
        f"  PD {d['pd']:.2%}  grade {d['grade']}  limit {d['limit']} CNY  term {d['term_days']} days  model {d['model_version']}",
    ]
    if d.get("rate"):
        r = {k: float(v) for k, v in d["rate"].items()}
        lines.append(
            f"  annual rate {r['annual_rate']:.2%} = benchmark {r['benchmark']:.2%} + funding/operating {r['funding_and_operating']:.2%}"
            f" + expected loss {r['expected_loss']:.2%} + margin {r['margin']:.2%}{' (capped)' if d['rate']['capped'] else ''}"
        )
    for reason in d.get("reasons", [])[:3]:
        lines.append(f"  reason {reason['code']}: {reason['text_en']} / {reason['text_zh']}")
    feats = d.get("features", {})
    if feats:
        shown = ", ".join(f"{k}={v:.2f}" for k, v in list(feats.items())[:6])
        lines.append(f"  from cashflow.v1 features: {shown} …")
    if d.get("schedule"):
        first = d["schedule"][0]
        lines.append(f"  {len(d['schedule'])} instalments on payout dates, first {first['amount']} CNY on {first['due']}")
    return "\n".join(lines)
