"""A steady load on a running suite, and the checks that nothing was lost or done twice."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

from ruralcredit_dev.demo import sales_rows
from tests.support import unique, wait_for
from tests.support.suite import Suite

AWAITING = ("submitted", "forecasting")
TZ = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Tenants:
    """A platform with merchants that have history, and an officer with their consent."""

    platform: httpx.Client
    officer: httpx.Client
    merchant_ids: list[str]
    refs: list[str]


def seed_tenants(suite: Suite, merchants: int = 4, days: int = 200) -> Tenants:
    """Create a platform, a bank's officer and merchants with `days` of sales and consent."""
    admin = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": suite.admin_key}, timeout=30)
    plat = admin.post("/v1/platforms", json={"name": unique("Load platform"), "settlement_lag_days": 15}).json()
    inst = admin.post("/v1/institutions", json={"name": unique("Load bank")}).json()
    officer_key = admin.post(f"/v1/institutions/{inst['id']}/officers", json={"name": "Load officer"}).json()["key"]["api_key"]
    platform = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": plat["key"]["api_key"]}, timeout=60)
    officer = httpx.Client(base_url=suite.urls["applications"], headers={"X-API-Key": officer_key}, timeout=30)
    today, now = dt.date.today(), dt.datetime.now(dt.UTC)
    ids, refs = [], []
    for m in range(merchants):
        ref = unique(f"load-{m}")
        r = platform.put(f"/v1/platform/merchants/{ref}", json={
            "merchant_ref": ref, "name": f"Load shop {m}", "county": "Tianyang", "category": "groceries",
            "onboarded_on": str(today - dt.timedelta(days=days))})
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])
        refs.append(ref)
        orders, payouts = sales_rows(ref, days, 11 + m, today)
        for kind, rows in (("orders", orders), ("payouts", payouts)):
            r = platform.post(f"/v1/platform/{kind}:batch", json={"rows": rows})
            assert r.status_code == 200 and r.json()["rejected"] == 0, r.text[:300]
        r = officer.post(f"/v1/merchants/{ids[-1]}/consents", json={
            "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=5)).isoformat(), "scope": ["sales"],
            "expires_at": (now + dt.timedelta(days=30)).isoformat()})
        assert r.status_code == 201, r.text
    return Tenants(platform, officer, ids, refs)


@dataclass
class Load:
    """Applications and orders at steady rates from two threads until `finish()`.

    A request the suite refuses or cannot take (its API is down) is counted, never retried:
    only what the suite accepted must come out the other end.
    """

    tenants: Tenants
    applications_per_s: float = 5.0
    orders_per_s: float = 200.0
    application_ids: list[str] = field(default_factory=list)
    orders_accepted: int = 0
    refused: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        self._threads = [threading.Thread(target=self._applications), threading.Thread(target=self._orders)]
        for t in self._threads:
            t.start()
        return self

    def finish(self) -> Load:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)
        return self

    def _every(self, per_s: float, send) -> None:  # type: ignore[no-untyped-def]
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                send()
            except httpx.HTTPError:
                self.refused += 1
            next_at += 1.0 / per_s
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _applications(self) -> None:
        rng = random.Random(5)

        def send() -> None:
            r = self.tenants.officer.post("/v1/applications", json={
                "merchant_id": rng.choice(self.tenants.merchant_ids), "amount": f"{rng.choice([5, 10, 20])}000.00",
                "term_days": rng.choice([30, 60, 90]), "purpose": "festival_stock"})
            if r.status_code == 201:
                self.application_ids.append(r.json()["id"])
            else:
                self.refused += 1

        self._every(self.applications_per_s, send)

    def _orders(self) -> None:
        rng = random.Random(6)
        batch = max(1, int(self.orders_per_s / 5))
        seq = iter(range(10**9))

        def send() -> None:
            now = dt.datetime.now(TZ)
            rows = [{"order_id": unique(f"o{next(seq)}"), "merchant_ref": rng.choice(self.tenants.refs),
                     "sold_at": (now - dt.timedelta(seconds=rng.randint(0, 300))).isoformat(),
                     "amount": f"{rng.randint(20, 400)}.00", "category": "groceries"} for _ in range(batch)]
            r = self.tenants.platform.post("/v1/platform/orders:batch", json={"rows": rows})
            if r.status_code == 200:
                self.orders_accepted += r.json()["accepted"]
            else:
                self.refused += 1

        self._every(5.0, send)


def _scalar(url: str, sql: str, **params: object) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar() or 0)
    finally:
        engine.dispose()


def undecided(suite: Suite, ids: list[str]) -> int:
    """How many of the applications still await a decision."""
    if not ids:
        return 0
    engine = create_engine(suite.database_urls["applications"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status FROM applications")).all()
    finally:
        engine.dispose()
    wanted = set(ids)
    return sum(1 for i, s in rows if i in wanted and s in AWAITING)


def assert_each_decided_once(suite: Suite, ids: list[str], timeout: float = 120) -> None:
    """Every application reached a decision by the model, exactly once, through every stage once."""
    assert ids, "the load submitted nothing"
    wait_for(lambda: undecided(suite, ids) == 0, timeout=timeout, interval=0.5, what="every application's decision")
    wanted = set(ids)

    def per_app(service: str, sql: str) -> dict[str, int]:
        engine = create_engine(suite.database_urls[service])
        try:
            with engine.connect() as conn:
                return {a: n for a, n in conn.execute(text(sql)).all() if a in wanted}
        finally:
            engine.dispose()

    decisions = per_app("applications", "SELECT application_id, count(*) FROM decisions GROUP BY application_id")
    scored = per_app("applications", "SELECT application_id, count(*) FROM audit_entries "
                                     "WHERE action IN ('status:scored', 'late_decision') GROUP BY application_id")
    referred = per_app("applications", "SELECT id, 1 FROM applications WHERE status_reason IS NOT NULL")
    assessed = per_app("cashflow", "SELECT application_id, count(*) FROM assessments GROUP BY application_id")
    decided = per_app("scoring", "SELECT application_id, count(*) FROM decisions GROUP BY application_id")
    for name, counts in (("decision stored", decisions), ("scored in the audit", scored), ("assessment", assessed), ("scoring decision", decided)):
        missing = wanted - set(counts)
        twice = {a: n for a, n in counts.items() if n != 1}
        assert not missing, f"{len(missing)} of {len(wanted)} applications have no {name}, e.g. {sorted(missing)[:3]}"
        assert not twice, f"applications with more than one {name}: {twice}"
    assert not referred, f"{len(referred)} applications were referred without a decision: {sorted(referred)[:3]}"


def assert_orders_once(suite: Suite, timeout: float = 60) -> None:
    """Every order the applications service accepted is counted once in cashflow's daily series."""
    def counts() -> tuple[int, int]:
        accepted = _scalar(suite.database_urls["applications"], "SELECT count(*) FROM orders")
        counted = _scalar(suite.database_urls["cashflow"], "SELECT coalesce(sum(orders), 0) FROM merchant_days")
        return accepted, counted

    wait_for(lambda: counts()[1] >= counts()[0], timeout=timeout, interval=0.5, what="cashflow to count every accepted order")
    accepted, counted = counts()
    assert counted == accepted, f"{accepted} orders accepted, {counted} counted in cashflow: an order was applied twice"
