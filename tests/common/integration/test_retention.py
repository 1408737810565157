"""processed_events forgets the events applied past the retention window, on a real database,
with two processes pruning at once, as the consumers' periodic job."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

from sqlalchemy import func, insert, select

from ruralcredit_common import db
from ruralcredit_common.retention import prune_processed
from ruralcredit_common.runtime import PRUNE_EVERY, Runtime
from ruralcredit_common.settings import ServiceSettings
from tests.common.integration import ledger

ROOT = Path(__file__).resolve().parents[3]
TABLE = ledger.Base.ProcessedEvent.__table__


def _fill(engine, ages_in_days: dict[str, float]) -> None:
    now = db.utcnow()
    with engine.begin() as conn:
        conn.execute(insert(TABLE), [
            {"event_id": event_id, "topic": "sales.v1", "processed_at": now - dt.timedelta(days=age)}
            for event_id, age in ages_in_days.items()
        ])


def _left(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(TABLE.c.event_id)))


def test_two_processes_pruning_at_once_forget_each_old_id_once_and_keep_the_recent(database_url_factory):
    url = database_url_factory("prune")
    engine, _ = ledger.setup(url)
    old = {f"old-{i:04d}": 20 + i % 5 for i in range(300)}
    recent = {f"new-{i:04d}": i % 13 for i in range(50)}
    _fill(engine, old | recent)
    # Two engines: two connections, as two consumer replicas would have.
    engines = [db.create_db_engine(url) for _ in range(2)]
    start, counts, errors = threading.Barrier(2), [], []

    def prune(e) -> None:
        start.wait()
        try:
            counts.append(prune_processed(e, TABLE, keep=dt.timedelta(days=14), batch=40))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=prune, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(counts) == len(old), counts
    assert _left(engine) == set(recent)
    assert prune_processed(engine, TABLE, keep=dt.timedelta(days=14)) == 0, "nothing is left to prune"
    for e in (*engines, engine):
        e.dispose()


def test_consumers_run_the_pruning_job_with_the_configured_window(database_url_factory):
    url = database_url_factory("prune_job")
    engine, factory = ledger.setup(url)
    settings = ServiceSettings(database_url=url)
    runtime = Runtime(name="tests", settings=settings, engine=engine, factory=factory, base=ledger.Base, migrations="",
                      make_app=lambda _: None, topics=["sales.v1"])  # type: ignore[arg-type, return-value]
    jobs = {name: (every, job, roles) for name, every, job, roles in runtime._jobs()}
    every, job, roles = jobs["prune-processed-events"]
    assert every == PRUNE_EVERY and set(roles) == {"all", "consumer"}
    keep = settings.processed_events_keep_days
    _fill(engine, {"past-window": keep + 1, "inside-window": keep - 1, "today": 0})
    job(runtime)
    assert _left(engine) == {"inside-window", "today"}
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(TABLE)) == 2
    engine.dispose()


def test_the_window_outlasts_every_topic_a_consumer_can_read_again():
    """An id forgotten while its event can still be re-read would be applied twice."""
    keep = dt.timedelta(days=ServiceSettings().processed_events_keep_days)
    compose = (ROOT / "docker-compose.yml").read_text()
    topics_job = (ROOT / "deploy" / "k8s" / "base" / "topics-job.yaml").read_text()
    kept = [dt.timedelta(hours=int(h)) for h in re.findall(r"KAFKA_LOG_RETENTION_HOURS:\s*\"?(\d+)", compose)]
    kept += [dt.timedelta(milliseconds=int(ms)) for ms in re.findall(r"retention\.ms=(\d+)", compose + topics_job)]
    assert len(kept) >= 3, "the topics' retention settings moved: update this test"
    assert keep > max(kept), f"processed_events kept {keep}, topics up to {max(kept)}"
