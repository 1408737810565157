"""No application left waiting in silence: a stage's dead letter refers it to an officer at once,
the decision deadline refers what no stage answered, and a late decision never undoes either."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from ruralcredit_applications.bootstrap import build, refer_overdue
from ruralcredit_applications.settings import Settings
from ruralcredit_common.contracts import applications as applications_v1
from ruralcredit_common.contracts import cashflow as cashflow_v1
from ruralcredit_common.contracts import dlq_topic
from ruralcredit_common.kafka import ensure_topics, make_producer
from tests.applications.integration.conftest import ADMIN, Api
from tests.applications.integration.flows import decide
from tests.support import wait_for

pytestmark = pytest.mark.slow


def _referred(stage: str) -> float:
    return REGISTRY.get_sample_value("ruralcredit_referred_undecided_total", {"stage": stage}) or 0.0


@pytest.fixture
def live(broker, database_url_factory, topic_prefix) -> Iterator[Api]:
    """The applications service with its consumer running on the real broker."""
    ensure_topics(broker.bootstrap, [topic_prefix + t.TOPIC for t in (applications_v1, cashflow_v1)], partitions=2)
    settings = Settings(
        database_url=database_url_factory("apps_undecided"), admin_api_key=ADMIN["X-API-Key"], kafka_bootstrap=broker.bootstrap,
        topic_prefix=topic_prefix, consumer_group=f"{topic_prefix}applications", decision_deadline_seconds=600,
    )
    runtime = build(settings)
    runtime.migrate()
    loop = runtime.consumer()
    thread = threading.Thread(target=loop.run, args=(runtime.stop,))
    thread.start()
    wait_for(loop.assigned.is_set, timeout=30, what="the consumer's partition assignment")
    with TestClient(runtime.make_app(runtime), raise_server_exceptions=False) as client:
        yield Api(client, runtime)
    runtime.stop.set()
    thread.join(timeout=30)
    runtime.engine.dispose()


def _application(api: Api) -> tuple[dict[str, str], str, dict]:
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "m-1")
    _, officer = api.officer("Bank")
    api.consent(officer, merchant)
    r = api.client.post("/v1/applications", headers=officer, json={"merchant_id": merchant, "amount": "25000.00", "term_days": 90, "purpose": "harvest_purchase"})
    assert r.status_code == 201, r.text
    return officer, merchant, r.json()


def test_a_dead_letter_refers_the_application_and_a_late_decision_changes_nothing(live, broker, topic_prefix):
    officer, merchant, app = _application(live)
    [submitted] = live.outbox(applications_v1.TOPIC)
    before = _referred("scoring")
    # What the scoring consumer does with an assessment it can never decide: the original bytes
    # on cashflow.v1.dlq, with the error in the headers.
    producer = make_producer(broker.bootstrap)
    producer.send(topic_prefix + dlq_topic(cashflow_v1.TOPIC), key=merchant.encode(), value=_assessed_bytes(submitted), headers=[
        ("error", b"ValidationError: rate.expected_loss must be <= 1"), ("service", b"scoring"),
        ("source_topic", (topic_prefix + cashflow_v1.TOPIC).encode()),
    ]).get(timeout=10)
    producer.close()

    got = wait_for(lambda: (a := live.client.get(f"/v1/applications/{app['id']}", headers=officer).json())["status"] == "referred" and a,
                   timeout=30, what="the referral")
    assert got["decision"] is None
    audit = live.client.get(f"/v1/applications/{app['id']}/audit", headers=officer).json()
    dead = next(a for a in audit if a["action"] == "dead_lettered")
    assert dead["detail"]["stage"] == "scoring" and "expected_loss" in dead["detail"]["error"]
    referral = audit[-1]
    assert referral["action"] == "status:referred" and referral["actor"] == "system"
    assert referral["detail"]["reason"] == "could not be decided automatically" and referral["detail"]["stage"] == "scoring"
    assert _referred("scoring") == before + 1

    # The officer declines; then the decision arrives after all (a replayed dead letter).
    r = live.client.post(f"/v1/applications/{app['id']}/override", headers=officer, json={"outcome": "decline", "reason_code": "business_closed", "reason": "shop closed on visit"})
    assert r.status_code == 200
    decide(live, app["id"], merchant, "approve")
    got = live.client.get(f"/v1/applications/{app['id']}", headers=officer).json()
    assert got["status"] == "declined", "a late decision must not overwrite the officer's"
    assert got["decision"]["outcome"] == "approve", "the late decision is kept beside it"
    actions = [a["action"] for a in live.client.get(f"/v1/applications/{app['id']}/audit", headers=officer).json()]
    assert actions[-2:] == ["status:declined", "late_decision"]


def _assessed_bytes(submitted: dict) -> bytes:
    """A cashflow.v1 envelope for the submitted application, as the scorer received it."""
    import orjson

    return orjson.dumps({**submitted, "type": cashflow_v1.ASSESSED, "producer": "cashflow", "payload": {"application_id": submitted["correlation_id"]}})


def test_the_deadline_refers_what_no_stage_answered(api):
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "m-1")
    _, officer = api.officer("Bank")
    api.consent(officer, merchant)
    waiting = api.client.post("/v1/applications", headers=officer, json={"merchant_id": merchant, "amount": "25000.00", "term_days": 90, "purpose": "harvest_purchase"}).json()
    decided = api.client.post("/v1/applications", headers=officer, json={"merchant_id": merchant, "amount": "5000.00", "term_days": 90, "purpose": "harvest_purchase"}).json()
    decide(api, decided["id"], merchant, "approve")
    before = _referred("deadline")

    refer_overdue(api.runtime)  # within the deadline: nothing moves
    assert api.client.get(f"/v1/applications/{waiting['id']}", headers=officer).json()["status"] == "forecasting"

    refer_overdue(api.runtime, dt.timedelta(microseconds=1))
    got = api.client.get(f"/v1/applications/{waiting['id']}", headers=officer).json()
    assert got["status"] == "referred"
    assert api.client.get(f"/v1/applications/{decided['id']}", headers=officer).json()["status"] == "approved"
    referral = api.client.get(f"/v1/applications/{waiting['id']}/audit", headers=officer).json()[-1]
    assert referral["detail"]["stage"] == "deadline" and "cashflow or scoring" in referral["detail"]["detail"]
    assert _referred("deadline") == before + 1
    refer_overdue(api.runtime, dt.timedelta(microseconds=1))  # safe to run again
    assert _referred("deadline") == before + 1
