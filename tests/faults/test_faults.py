"""Faults injected into real processes under a steady load: every application ends decided
exactly once, and every accepted order reaches cashflow exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ruralcredit_common.contracts import ALL_TOPICS, dlq_topic
from ruralcredit_common.contracts import applications as applications_v1
from ruralcredit_common.contracts import loans as loans_v1
from ruralcredit_common.kafka import make_producer
from tests.support import read_topic, wait_for
from tests.support.load import Load, assert_each_decided_once, assert_orders_once
from tests.support.suite import environ_has_postgres

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _load(tenants, **kw) -> Load:
    # The last merchant is kept out of the load for the tests that single one out.
    return Load(tenants.__class__(tenants.platform, tenants.officer, tenants.merchant_ids[:-1], tenants.refs[:-1]), **kw).start()


def test_broker_paused_for_30_seconds(split_suite, own_broker, tenants):
    load = _load(tenants)
    time.sleep(5)
    own_broker.pause()
    try:
        time.sleep(30)
    finally:
        own_broker.resume()
    time.sleep(10)
    load.finish()
    assert load.application_ids and load.orders_accepted
    assert_each_decided_once(split_suite, load.application_ids)
    assert_orders_once(split_suite)


def test_each_consumer_killed_and_restarted(split_suite, tenants):
    load = _load(tenants)
    for service in ("cashflow", "scoring", "applications"):
        name = f"{service}:consumer"
        time.sleep(4)
        split_suite.kill(name, signal.SIGKILL)
        time.sleep(2)
        split_suite.start(name)
        wait_for(lambda n=name: split_suite.partitions(n) > 0, timeout=240, what=f"the restarted {name} to hold its partitions")
    time.sleep(10)
    load.finish()
    assert_each_decided_once(split_suite, load.application_ids)
    assert_orders_once(split_suite)


@pytest.mark.skipif(not environ_has_postgres(), reason="drops PostgreSQL connections (DATABASE_URL on PostgreSQL)")
def test_postgres_connections_dropped_mid_load(split_suite, tenants):
    names = [make_url(u).database for u in split_suite.database_urls.values()]
    admin = create_engine(make_url(split_suite.database_urls["applications"]).set(database="postgres"), isolation_level="AUTOCOMMIT")
    load = _load(tenants)
    dropped = 0
    try:
        for _ in range(3):
            time.sleep(4)
            with admin.connect() as conn:
                dropped += len(conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                ), {"names": names}).all())
        time.sleep(6)
    finally:
        load.finish()
        admin.dispose()
    assert dropped >= 3, "the test should have cut live connections"
    assert_each_decided_once(split_suite, load.application_ids)
    assert_orders_once(split_suite)


def test_a_poison_event_on_each_topic_goes_to_its_dlq_while_the_rest_flows(split_suite, tenants):
    load = _load(tenants)
    producer = make_producer(split_suite.bootstrap)
    marker = f"poison-{time.time_ns()}".encode()
    for contract in ALL_TOPICS:
        topic = split_suite.prefix + contract.TOPIC
        producer.send(topic, key=b"poison", value=b"{not json " + marker).get(timeout=10)
        # An envelope that parses but whose payload its contract refuses.
        producer.send(topic, key=b"poison", value=orjson.dumps({
            "event_id": "0b7c9a1e-58d4-4c3f-9a7e-2f1d6c5b4a39", "type": _type_of(contract), "version": 1,
            "occurred_at": "2026-06-01T00:00:00Z", "producer": "tests", "key": "poison", "payload": {"marker": marker.decode()},
        })).get(timeout=10)
    producer.close()
    time.sleep(8)
    load.finish()
    for contract in ALL_TOPICS:
        dead = read_topic(split_suite.bootstrap, dlq_topic(split_suite.prefix + contract.TOPIC), expect=2, timeout=30)
        mine = [r for r in dead if marker in r.value]
        assert len(mine) == 2, f"{contract.TOPIC}: {len(mine)} of 2 poison events in its dead-letter topic"
        assert all(dict(r.headers).get("error") for r in mine)
    assert_each_decided_once(split_suite, load.application_ids)
    assert_orders_once(split_suite)


def _type_of(contract) -> str:  # type: ignore[no-untyped-def]
    return {"sales.v1": "sales.daily_recorded", "applications.v1": applications_v1.SUBMITTED,
            "cashflow.v1": "cashflow.assessed", "decisions.v1": "decision.made", "loans.v1": loans_v1.DISBURSED}[contract.TOPIC]


def _refuse_decisions_for(url: str, merchant_id: str) -> None:
    """A fault in scoring's database: inserts of this merchant's decisions fail (as a bad constraint would)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION refuse_decision() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'decision refused'; END $$ LANGUAGE plpgsql"))
            conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON decisions FOR EACH ROW WHEN (NEW.merchant_id = '{merchant_id}') "
                              "EXECUTE FUNCTION refuse_decision()"))
        else:
            conn.execute(text(f"CREATE TRIGGER refuse BEFORE INSERT ON decisions WHEN NEW.merchant_id = '{merchant_id}' "
                              "BEGIN SELECT RAISE(ABORT, 'decision refused'); END"))
    engine.dispose()


def _fix(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse ON decisions" if engine.dialect.name == "postgresql" else "DROP TRIGGER refuse"))
    engine.dispose()


def test_dead_letters_refer_at_once_and_a_replay_brings_the_fixed_events_back(split_suite, tenants):
    broken = tenants.merchant_ids[-1]
    _refuse_decisions_for(split_suite.database_urls["scoring"], broken)
    load = _load(tenants)
    mine = []
    for _ in range(3):
        r = tenants.officer.post("/v1/applications", json={"merchant_id": broken, "amount": "10000.00", "term_days": 60, "purpose": "festival_stock"})
        assert r.status_code == 201, r.text
        mine.append(r.json()["id"])

    def status(app_id: str) -> dict:
        return tenants.officer.get(f"/v1/applications/{app_id}").json()

    # Scoring cannot store them: they are dead-lettered, and their officer sees them referred at once.
    wait_for(lambda: all(status(a)["status"] == "referred" for a in mine), timeout=60, what="the dead-lettered applications to be referred")
    for app_id in mine:
        audit = tenants.officer.get(f"/v1/applications/{app_id}/audit").json()
        assert [a["detail"]["stage"] for a in audit if a["action"] == "dead_lettered"] == ["scoring"]
        assert status(app_id)["decision"] is None

    _fix(split_suite.database_urls["scoring"])
    done = subprocess.run([str(Path(sys.executable).parent / "ruralcredit"), "dlq", "replay", split_suite.prefix + "cashflow.v1",
                           "--bootstrap", split_suite.bootstrap, "--group", f"{split_suite.prefix}replay"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    replayed = int(done.stdout.rsplit("replayed ", 1)[1].split()[0])
    assert replayed >= 3, done.stdout  # other tests' poison events may be on the dead-letter topic too
    wait_for(lambda: all(status(a)["decision"] for a in mine), timeout=60, what="the replayed decisions")
    for app_id in mine:
        got = status(app_id)
        assert got["status"] == "referred", "the late decision must not undo the referral the officer sees"
        actions = [a["action"] for a in tenants.officer.get(f"/v1/applications/{app_id}/audit").json()]
        assert actions.count("late_decision") == 1
    load.finish()
    assert_each_decided_once(split_suite, load.application_ids)
    assert_orders_once(split_suite)
