"""The whole suite under a bank's peak hour: applications and orders at fixed rates (open loop).

Starts the suite the way `make run` does (`ruralcredit up`: local broker, SQLite files, the
three services; `--database postgres` puts the three databases on PostgreSQL instead), gives
merchants a year of history, then for `--duration` seconds submits applications at `--rate`
per second while a second client process pushes `--orders` orders per second. Each
submission is sent at its scheduled time whether or not earlier ones have been answered.

Latency runs from the moment the client sent an application to the moment its decision was
stored, read afterwards from the suite's own timestamps (as is each hop between), so measuring
adds no load; time spent queued in front of the API counts. `--find-saturation` steps the application rate
up (no orders) until p99 passes 0.5 s and reports the last rate that held.

    python bench/pipeline.py [--rate 50] [--orders 5000] [--duration 300] [--database sqlite|postgres]
                             [--consumers 1] [--merchants 200] [--find-saturation]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import orjson
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _load
from _suite import ROOT, database

from ruralcredit_applications import orm as apps_orm
from ruralcredit_applications.domain.lifecycle import AWAITING
from ruralcredit_cashflow import orm as cashflow_orm
from ruralcredit_common.db import create_db_engine, session_factory
from ruralcredit_dev.broker import free_port
from ruralcredit_dev.simulator import simulate_merchants
from ruralcredit_scoring import orm as scoring_orm

TZ = dt.timezone(dt.timedelta(hours=8))
ADMIN = "bench-admin-key-0001"
SLO = 0.5
HOPS = ("applications → cashflow", "cashflow", "cashflow → scoring", "scoring", "scoring → applications")


# ---------------------------------------------------------------------------- the suite


class Suite:
    """`ruralcredit up` in a child process, and the three databases it writes."""

    def __init__(self, var: Path, database_urls: dict[str, str], consumers: int, models: Path) -> None:
        self.var = var
        self.port_base = _free_block()
        self.urls = {name: f"http://127.0.0.1:{self.port_base + i + 1}" for i, name in enumerate(("applications", "cashflow", "scoring"))}
        env = dict(os.environ)
        for name, url in database_urls.items():
            env[f"{name.upper()}_DATABASE_URL"] = url
        for name in ("APPLICATIONS", "CASHFLOW", "SCORING"):
            env[f"{name}_LOG_LEVEL"] = "WARNING"
        env["SCORING_REGISTRY_DIR"] = str(models)
        env["CASHFLOW_FORECAST_MODEL_PATH"] = str(models / "forecast_gbm.json")
        self.database_urls = database_urls
        self.broker_port = free_port()
        self.log = open(var / "up.log", "ab")  # noqa: SIM115 - lives as long as the suite
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "ruralcredit"), "up", "--var", str(var), "--broker-port", str(self.broker_port),
             "--admin-key", ADMIN, "--consumers", str(consumers), "--port-base", str(self.port_base)],
            env=env, stdout=self.log, stderr=self.log, cwd=ROOT,
            start_new_session=True,  # its own process group: stopped whole, even if the launcher hangs
        )
        keys, shown = var / "demo-keys.json", 0
        # The first run trains the forecast and PD models (minutes): show the launcher's progress.
        while not (keys.exists() and b"the suite is up" in (var / "up.log").read_bytes()):
            lines = (var / "up.log").read_text(errors="replace").splitlines()
            for line in lines[shown:]:
                print(f"  | {line}", flush=True)
            shown = len(lines)
            if self.proc.poll() is not None:
                raise SystemExit(f"the suite did not start; see {var / 'up.log'}")
            time.sleep(0.5)
        self.keys = json.loads(keys.read_text())
        self.engines = {name: create_db_engine(url) for name, url in database_urls.items()}
        self.sessions = {name: session_factory(e) for name, e in self.engines.items()}

    def stop(self) -> None:
        """Stop the launcher, which stops the services and the broker. SIGTERM rather than Ctrl-C's
        SIGINT: a bench started in the background by a shell inherits SIGINT ignored."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        # Whatever is left (a service slow to stop after its launcher gave up) goes too, so
        # that no orphan eats the cores of the next run.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        # The broker runs in a session of its own; the launcher stops it unless it was killed first.
        listener = f"tcp://127.0.0.1:{self.broker_port}".encode()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if listener in (entry / "cmdline").read_bytes():
                        os.kill(int(entry.name), signal.SIGKILL)
        for e in self.engines.values():
            e.dispose()


def _free_block() -> int:
    """A base port whose next 40 ports are free (services and extra consumers' metrics)."""
    import socket

    for _ in range(50):
        base = random.randint(20_000, 50_000)
        try:
            socks = []
            for p in range(base, base + 40):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            for s in socks:
                s.close()
            return base
        except OSError:
            for s in socks:
                s.close()
    raise SystemExit("no free block of ports")


# ---------------------------------------------------------------------------- set-up


def history(merchants: int, days: int, seed: int) -> tuple[list[dict], list[dict]]:
    """A year of orders and payouts for each merchant (simulated sales split into a few orders a day)."""
    today = dt.datetime.now(TZ).date()
    start = today - dt.timedelta(days=days)
    panel = simulate_merchants(merchants, start=start, n_days=days, seed=seed, min_history=days)
    orders, payouts = [], []
    for m in range(merchants):
        for i in range(days):
            day = start + dt.timedelta(days=i)
            gross = float(np.nan_to_num(panel.gross[m, i]))
            if gross >= 1:
                n = int(np.clip(gross // 400, 1, 4))
                for j in range(n):
                    sold = dt.datetime.combine(day, dt.time(9 + j, 30), TZ)
                    orders.append({"order_id": f"h{m}-{i}-{j}", "merchant_ref": f"m{m}", "sold_at": sold.isoformat(),
                                   "amount": f"{gross / n:.2f}", "category": "groceries"})
            paid = round(float(np.nan_to_num(panel.payouts[m, i])), 2)
            if paid > 0:
                payouts.append({"payout_id": f"h{m}-p{i}", "merchant_ref": f"m{m}",
                                "paid_at": dt.datetime.combine(day, dt.time(2), TZ).isoformat(), "amount": f"{paid:.2f}"})
    return orders, payouts


def seed(suite: Suite, merchants: int, days: int) -> list[str]:
    """Register the merchants with a year of history and the officer's consent; returns their ids."""
    url = suite.urls["applications"]
    platform = httpx.Client(base_url=url, headers={"X-API-Key": suite.keys["platform"]}, timeout=120)
    officer = httpx.Client(base_url=url, headers={"X-API-Key": suite.keys["officer"]}, timeout=30)
    ids = []
    now = dt.datetime.now(dt.UTC)
    for m in range(merchants):
        r = platform.put(f"/v1/platform/merchants/m{m}", json={
            "merchant_ref": f"m{m}", "name": f"Shop {m}", "county": "Tianyang", "category": "groceries",
            "onboarded_on": str(now.date() - dt.timedelta(days=days + 30))})
        r.raise_for_status()
        ids.append(r.json()["id"])
        officer.post(f"/v1/merchants/{ids[-1]}/consents", json={
            "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=5)).isoformat(), "scope": ["sales", "payouts"],
            "expires_at": (now + dt.timedelta(days=30)).isoformat()}).raise_for_status()
    orders, payouts = history(merchants, days, seed=11)
    print(f"  pushing {len(orders):,} orders and {len(payouts):,} payouts of history …", flush=True)
    for kind, rows in (("orders", orders), ("payouts", payouts)):
        for i in range(0, len(rows), 5000):
            r = platform.post(f"/v1/platform/{kind}:batch", content=orjson.dumps({"rows": rows[i:i + 5000]}),
                              headers={"Content-Type": "application/json"})
            r.raise_for_status()
            assert r.json()["rejected"] == 0, r.text[:500]
    wait_orders_in_cashflow(suite, timeout=600)
    return ids


def orders_in(suite: Suite) -> tuple[int, int]:
    """Orders accepted by applications, and orders counted in cashflow's daily series."""
    with suite.sessions["applications"]() as s:
        accepted = s.scalar(select(func.count()).select_from(apps_orm.Order)) or 0
    with suite.sessions["cashflow"]() as s:
        counted = s.scalar(select(func.coalesce(func.sum(cashflow_orm.MerchantDay.orders), 0))) or 0
    return accepted, int(counted)


def wait_orders_in_cashflow(suite: Suite, timeout: float) -> tuple[int, int]:
    """Wait until every accepted order is in cashflow's series (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        accepted, counted = orders_in(suite)
        if counted >= accepted or time.monotonic() > deadline:
            return accepted, counted
        time.sleep(0.5)


# ---------------------------------------------------------------------------- load


def order_client(url: str, key: str, merchants: int, rate: float, seconds: float, start_at: float, out: mp.Queue) -> None:
    """A second process: push `rate` orders a second in 10 batches a second, on schedule."""
    if rate <= 0:
        out.put({"accepted": 0, "sent": 0, "latencies": []})
        return
    batches_per_s = 10
    size = max(1, round(rate / batches_per_s))
    weights = 1.0 / np.arange(1, merchants + 1) ** 0.8  # a few big sellers, a long tail
    weights /= weights.sum()
    rng = np.random.default_rng(os.getpid())
    latencies: list[float] = []
    accepted = sent = 0
    lock = threading.Lock()
    seq = iter(range(10**12))

    def batch_body() -> bytes:
        now = dt.datetime.now(TZ)
        who = rng.choice(merchants, size=size, p=weights)
        amounts = rng.lognormal(4.0, 0.8, size)
        rows = [{"order_id": f"L{os.getpid()}-{next(seq)}", "merchant_ref": f"m{m}",
                 "sold_at": (now - dt.timedelta(seconds=int(s))).isoformat(), "amount": f"{a:.2f}", "category": "groceries"}
                for m, a, s in zip(who, amounts, rng.integers(0, 600, size), strict=True)]
        return orjson.dumps({"rows": rows})

    def worker(slots: list[float]) -> None:
        nonlocal accepted, sent
        with httpx.Client(base_url=url, headers={"X-API-Key": key, "Content-Type": "application/json"}, timeout=60) as client:
            for at in slots:
                time.sleep(max(0.0, at - time.time()))
                body = batch_body()
                t0 = time.perf_counter()
                r = client.post("/v1/platform/orders:batch", content=body)
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    sent += size
                    if r.status_code == 200:
                        accepted += r.json()["accepted"]

    slots = [start_at + i / batches_per_s for i in range(int(seconds * batches_per_s))]
    workers = 4  # open loop: a slow batch does not hold back the next one's send time
    threads = [threading.Thread(target=worker, args=(slots[w::workers],)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put({"accepted": accepted, "sent": sent, "latencies": latencies, "cpu": time.process_time()})


async def submit_applications(url: str, key: str, merchant_ids: list[str], rate: float, seconds: float, start_at: float) -> dict:
    """Submit `rate` applications a second for `seconds`, each at its scheduled time."""
    rng = random.Random(7)
    ids: list[str] = []
    sent_at: dict[str, dt.datetime] = {}
    errors: list[int] = []
    latencies: list[float] = []
    # Raw keep-alive connections: an httpx client spent up to half a core here once answers
    # queued, taking the cores the suite under test needed.
    pool = _load.Pool(url, {"X-API-Key": key}, size=64)

    async def one(body: dict) -> None:
        wall = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        try:
            status, answer = await asyncio.wait_for(pool.post("/v1/applications", orjson.dumps(body)), timeout=60)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            errors.append(0)
            return
        latencies.append(time.perf_counter() - t0)
        if status == 201:
            ids.append(orjson.loads(answer)["id"])
            sent_at[ids[-1]] = wall
        else:
            errors.append(status)

    tasks = []
    n = int(rate * seconds)
    for i in range(n):
        delay = start_at + i / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        body = {"merchant_id": rng.choice(merchant_ids), "amount": f"{rng.choice([5, 10, 20, 30, 50]) * 1000}.00",
                "term_days": rng.choice([30, 60, 90, 180]), "purpose": "festival_stock"}
        tasks.append(asyncio.create_task(one(body)))
    await asyncio.gather(*tasks)
    await pool.close()
    return {"ids": ids, "sent_at": sent_at, "errors": errors, "latencies": latencies}


# ---------------------------------------------------------------------------- measure


def wait_decided(suite: Suite, ids: list[str], timeout: float) -> int:
    """Wait until none of `ids` awaits a decision; returns how many still do after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        with suite.sessions["applications"]() as s:
            waiting = s.scalar(select(func.count()).select_from(apps_orm.Application)
                               .where(apps_orm.Application.id.in_(ids), apps_orm.Application.status.in_(AWAITING))) or 0
        if waiting == 0 or time.monotonic() > deadline:
            return waiting
        time.sleep(0.5)


def timings(suite: Suite, ids: list[str]) -> dict:
    """Per application: submitted → decision stored, and each hop, from the three databases."""
    out: dict[str, dict] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        with suite.sessions["applications"]() as s:
            for app_id, created, status, recorded in s.execute(
                select(apps_orm.Application.id, apps_orm.Application.created_at, apps_orm.Application.status, apps_orm.Decision.recorded_at)
                .outerjoin(apps_orm.Decision, apps_orm.Decision.application_id == apps_orm.Application.id)
                .where(apps_orm.Application.id.in_(chunk))
            ):
                out[app_id] = {"submitted": created, "status": status, "recorded": recorded}
        with suite.sessions["cashflow"]() as s:
            for app_id, received, stored in s.execute(
                select(cashflow_orm.AssessmentRecord.application_id, cashflow_orm.AssessmentRecord.received_at, cashflow_orm.AssessmentRecord.created_at)
                .where(cashflow_orm.AssessmentRecord.application_id.in_(chunk))
            ):
                out[app_id].update(cf_received=received, cf_stored=stored)
        with suite.sessions["scoring"]() as s:
            for app_id, received, decided in s.execute(
                select(scoring_orm.DecisionRecord.application_id, scoring_orm.DecisionRecord.received_at, scoring_orm.DecisionRecord.decided_at)
                .where(scoring_orm.DecisionRecord.application_id.in_(chunk))
            ):
                out[app_id].update(sc_received=received, sc_decided=decided)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(label: str, t: dict, sent: dict, orders: dict, seconds: float, waiting: int, order_check: tuple[int, int]) -> dict:
    """Print one run's figures; returns them."""
    rows = list(t.values())
    decided = [r for r in rows if r["recorded"] is not None]
    # From the moment the client sent it: time queued in front of the API counts against the SLO.
    total = [(r["recorded"] - sent["sent_at"][app_id]).total_seconds() for app_id, r in t.items() if r["recorded"] is not None]
    stored = [(r["recorded"] - r["submitted"]).total_seconds() for r in decided]
    referred_undecided = sum(1 for r in rows if r["recorded"] is None and r["status"] == "referred")
    hops = {h: [] for h in HOPS}
    for r in decided:
        if all(k in r for k in ("cf_received", "cf_stored", "sc_received", "sc_decided")):
            marks = [r["submitted"], r["cf_received"], r["cf_stored"], r["sc_received"], r["sc_decided"], r["recorded"]]
            for h, a, b in zip(HOPS, marks, marks[1:], strict=False):
                hops[h].append((b - a).total_seconds())
    load = os.getloadavg()
    figures = {
        "label": label, "apps_per_s": len(sent["ids"]) / seconds, "orders_per_s": orders["accepted"] / seconds,
        "submitted": len(sent["ids"]), "submit_errors": len(sent["errors"]), "decided": len(decided),
        "undecided": waiting, "referred_undecided": referred_undecided,
        "p50": pct(total, 50), "p90": pct(total, 90), "p99": pct(total, 99), "max": max(total, default=float("nan")),
        "orders_accepted": order_check[0], "orders_in_cashflow": order_check[1], "load": load,
    }
    print(f"\n== {label} ==")
    print(f"achieved: {figures['apps_per_s']:.1f} applications/s ({len(sent['errors'])} refused), "
          f"{figures['orders_per_s']:,.0f} orders/s accepted of {orders['sent'] / seconds:,.0f}/s sent"
          + (f" (batch p50 {pct(orders['latencies'], 50) * 1000:.0f} ms, p99 {pct(orders['latencies'], 99) * 1000:.0f} ms)" if orders["latencies"] else ""))
    print(f"applications: {len(decided)} decided by the model, {waiting} still undecided, "
          f"{referred_undecided} referred without a decision; submit HTTP p99 {pct(sent['latencies'], 99) * 1000:.0f} ms")
    print(f"sent → decision stored: p50 {figures['p50'] * 1000:.0f} ms, p90 {figures['p90'] * 1000:.0f} ms, "
          f"p99 {figures['p99'] * 1000:.0f} ms, max {figures['max'] * 1000:.0f} ms   (SLO p99 ≤ {SLO * 1000:.0f} ms: "
          f"{'held' if figures['p99'] <= SLO and waiting == 0 else 'MISSED'})")
    print(f"  of which stored by the API → decision stored: p50 {pct(stored, 50) * 1000:.0f} ms, p99 {pct(stored, 99) * 1000:.0f} ms")
    print("time in each hop (p50 / p99 ms): " + ", ".join(
        f"{h} {pct(v, 50) * 1000:.0f} / {pct(v, 99) * 1000:.0f}" for h, v in hops.items()))
    print(f"orders: {order_check[0]:,} accepted, {order_check[1]:,} in cashflow's series"
          f" ({'all, once' if order_check[0] == order_check[1] else 'MISMATCH'})")
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return figures


def cpu_seconds(root_pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process under `root_pid`, by role: what
    each part of the suite costs, whatever else the machine is doing."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = (cmdline, (int(fields[11]) + int(fields[12])) / tick)
    out: dict[str, float] = {}
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        if pid not in stats:
            continue
        cmdline, used = stats[pid]
        role = next((name for name in ("applications", "cashflow", "scoring") if f"ruralcredit_{name}" in cmdline), None)
        role = role or ("broker" if "tansu" in cmdline else "launcher")
        out[role] = out.get(role, 0.0) + used
    return out


def run_load(suite: Suite, merchant_ids: list[str], rate: float, orders_rate: float, seconds: float, label: str) -> dict:
    """One run at fixed rates, then the wait for every decision, then the figures."""
    start_at = time.time() + 1.0
    print(f"load: {rate:g} applications/s and {orders_rate:,.0f} orders/s for {seconds:g} s …", flush=True)
    queue: mp.Queue = mp.Queue()
    pusher = mp.Process(target=order_client, args=(suite.urls["applications"], suite.keys["platform"], len(merchant_ids),
                                                     orders_rate, seconds, start_at, queue))
    pusher.start()
    cpu_before, own_before, began = cpu_seconds(suite.proc.pid), time.process_time(), time.monotonic()
    sent = asyncio.run(submit_applications(suite.urls["applications"], suite.keys["officer"], merchant_ids, rate, seconds, start_at))
    cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(suite.proc.pid).items()}
    cpu["load generator (applications)"] = time.process_time() - own_before
    elapsed = max(time.monotonic() - began, seconds)
    orders = queue.get()
    pusher.join()
    cpu["load generator (orders)"] = orders.pop("cpu", 0.0)
    waiting = wait_decided(suite, sent["ids"], timeout=90)
    order_check = wait_orders_in_cashflow(suite, timeout=60)
    figures = report(label, timings(suite, sent["ids"]), sent, orders, seconds, waiting, order_check)
    # Divided by the time the load really took: a saturated step outlasts its nominal seconds.
    figures["cores"] = {k: v / elapsed for k, v in cpu.items()}
    print("cores used during the load (CPU seconds a second): " + ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(figures["cores"].items(), key=lambda kv: -kv[1])) + f"; total {sum(figures['cores'].values()):.2f}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="applications per second")
    parser.add_argument("--orders", type=float, default=5000.0, help="orders per second from a second client")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--consumers", type=int, default=1, help="consumer processes per service")
    parser.add_argument("--merchants", type=int, default=200)
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--find-saturation", action="store_true", help="step the application rate up until p99 > 0.5 s")
    parser.add_argument("--step-seconds", type=float, default=30.0, help="seconds per step with --find-saturation")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs (their folder is printed)")
    parser.add_argument("--models", default=str(ROOT / "var" / "models"), help="models (those `make run` trains, by default)")
    args = parser.parse_args()

    models = Path(args.models)
    models.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    tmp = tempfile.mkdtemp(prefix="rc-pipeline-")
    if args.keep:
        print(f"databases and logs in {tmp}")
    with contextlib.ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        var = Path(tmp)
        urls = {name: stack.enter_context(database("postgresql" if args.database == "postgres" else "sqlite", name, var))
                for name in ("applications", "cashflow", "scoring")}
        print(f"starting the suite ({args.database}, {args.consumers} consumer process(es) per service) …", flush=True)
        suite = Suite(var, urls, args.consumers, models)
        try:
            print(f"seeding {args.merchants} merchants with {args.history_days} days of history …", flush=True)
            merchant_ids = seed(suite, args.merchants, args.history_days)
            if not args.find_saturation:
                run_load(suite, merchant_ids, args.rate, args.orders, args.duration,
                         f"{args.rate:g} applications/s + {args.orders:,.0f} orders/s for {args.duration:g} s on {args.database}")
                return
            held = 0.0
            for rate in (25, 50, 75, 100, 125, 150, 200, 250, 300, 400):
                f = run_load(suite, merchant_ids, rate, 0.0, args.step_seconds, f"saturation step: {rate} applications/s")
                if f["p99"] > SLO or f["undecided"] or f["submitted"] < 0.95 * rate * args.step_seconds:
                    break
                held = rate
            print(f"\nsaturation on {args.database}: the last rate that held p99 ≤ {SLO * 1000:.0f} ms was {held:g} applications/s")
        finally:
            suite.stop()


if __name__ == "__main__":
    main()
