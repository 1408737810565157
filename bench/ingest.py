"""Sales ingestion over HTTP: orders/s and p99 batch latency, on SQLite and PostgreSQL.

Pushes N orders (default 200,000) in batches of 5,000 to a real applications service
(uvicorn, one worker) with its outbox relay publishing the sales.v1 events to a local broker.
The baseline in the same run is the same batches parsed and validated in-process without
HTTP or a database, to show where the time goes.

    python bench/ingest.py [--orders 200000] [--batch 5000] [--clients 2] [--db sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite import broker, database, service

from ruralcredit_applications.domain.sales import OrderRow, parse_rows

ADMIN = "bench-admin-key-0001"
TZ = dt.timezone(dt.timedelta(hours=8))


def make_batches(n_orders: int, batch: int, merchants: int, days: int = 30) -> list[bytes]:
    """Orders of many merchants in the order they were sold over the last `days` days (as a
    platform pushes them), serialised once up front."""
    start = dt.datetime.now(TZ) - dt.timedelta(days=days)
    step = dt.timedelta(days=days) / n_orders
    rows = [
        {"order_id": f"o{i}", "merchant_ref": f"m{(i * 7919) % merchants}", "sold_at": (start + i * step).isoformat(),
         "amount": f"{10 + (i * 7919) % 500}.{i % 100:02d}", "category": "fruit"}
        for i in range(n_orders)
    ]
    return [orjson.dumps({"rows": rows[i:i + batch]}) for i in range(0, n_orders, batch)]


def run(url: str, batches: list[bytes], clients: int, merchants: int) -> dict[str, float]:
    admin = httpx.Client(base_url=url, headers={"X-API-Key": ADMIN}, timeout=60)
    key = admin.post("/v1/platforms", json={"name": f"bench-{time.time()}"}).json()["key"]["api_key"]
    headers = {"X-API-Key": key, "content-type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        for m in range(merchants):
            c.put(f"/v1/platform/merchants/m{m}", json={"merchant_ref": f"m{m}", "name": f"M{m}", "county": "X", "category": "fruit", "onboarded_on": "2024-01-01"})
    latencies: list[float] = []
    accepted = [0]
    lock = threading.Lock()
    queue = list(enumerate(batches))

    def worker() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
            while True:
                with lock:
                    if not queue:
                        return
                    _, body = queue.pop(0)
                t0 = time.perf_counter()
                r = c.post("/v1/platform/orders:batch", content=body)
                dt_ = time.perf_counter() - t0
                r.raise_for_status()
                with lock:
                    latencies.append(dt_)
                    accepted[0] += r.json()["accepted"]
                    if len(latencies) % 10 == 0:
                        print(f"    {len(latencies)}/{len(batches)} batches", flush=True)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {"orders": accepted[0], "seconds": wall, "orders_per_s": accepted[0] / wall,
            "p50_ms": statistics.median(lat) * 1000, "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000}


def baseline(batches: list[bytes]) -> float:
    """Orders/s of parsing and validating the same batches in-process: the ceiling without HTTP and storage."""
    t0 = time.perf_counter()
    n = 0
    for body in batches:
        rows = orjson.loads(body)["rows"]
        n += len(parse_rows(rows, OrderRow).valid)
    return n / (time.perf_counter() - t0)


def outbox_counts(db_url: str) -> tuple[int, int]:
    """Events written by the batches, and how many of them still wait for the relay."""
    from sqlalchemy import create_engine, text

    e = create_engine(db_url)
    with e.connect() as conn:
        pending = conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    e.dispose()
    return total, pending


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--merchants", type=int, default=500)
    ap.add_argument("--db", default="sqlite,postgresql")
    args = ap.parse_args(argv)
    batches = make_batches(args.orders, args.batch, args.merchants)
    print(f"{args.orders} orders in {len(batches)} batches of {args.batch}, {args.merchants} merchants, {args.clients} clients")
    base = baseline(batches)
    print(f"baseline (parse + validate in-process, no HTTP, no database): {base:,.0f} orders/s")
    results = {}
    with tempfile.TemporaryDirectory() as tmp, broker() as b:
        for kind in args.db.split(","):
            with database(kind, "ingest", Path(tmp)) as url:
                env = {"APPLICATIONS_DATABASE_URL": url, "APPLICATIONS_KAFKA_BOOTSTRAP": b.bootstrap, "APPLICATIONS_ADMIN_API_KEY": ADMIN}
                with service("ruralcredit_applications", "APPLICATIONS_", env, Path(tmp) / f"{kind}.log") as svc:
                    print(f"  {kind}: pushing …", flush=True)
                    res = run(svc, batches, args.clients, args.merchants)
                    pushed_at = time.monotonic()
                    while (counts := outbox_counts(url))[1] and time.monotonic() - pushed_at < 120:
                        time.sleep(0.2)
                    res["events"], res["unpublished"] = counts
                    res["drain_s"] = time.monotonic() - pushed_at
                    results[kind] = res
    print()
    print(f"{'database':<12}{'orders':>9}{'orders/s':>11}{'vs baseline':>13}{'p50 ms':>9}{'p99 ms':>9}{'events':>9}{'unpublished':>13}{'drained after':>15}")
    for kind, r in results.items():
        print(f"{kind:<12}{r['orders']:>9}{r['orders_per_s']:>11,.0f}{r['orders_per_s'] / base:>12.2f}x{r['p50_ms']:>9.0f}{r['p99_ms']:>9.0f}"
              f"{r['events']:>9}{r['unpublished']:>13}{r['drain_s']:>14.1f}s")


if __name__ == "__main__":
    main()
