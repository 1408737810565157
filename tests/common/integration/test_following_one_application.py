"""Against the three services as real processes: a freshly started service exports its labelled
counters at 0, and `ruralcredit trace` shows a decided application's whole path in one screen."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ruralcredit_common import trace
from ruralcredit_common.contracts import applications, cashflow, decisions
from ruralcredit_common.logging import JsonFormatter, handling
from tests.support.suite import Suite, start_suite, stop_suite

pytestmark = pytest.mark.slow

CONSUMES = {
    "applications": "ruralcredit_applications.consumer",
    "cashflow": "ruralcredit_cashflow.consumer",
    "scoring": "ruralcredit_scoring.consumer",
}


@pytest.fixture(scope="module")
def fresh(broker, database_url_factory, model_registry, tmp_path_factory) -> Iterator[tuple[Suite, dict[str, str]]]:
    """The suite just started, and what each service's /metrics said before any event."""
    var = tmp_path_factory.mktemp("var")
    suite, procs = start_suite(broker, database_url_factory, model_registry, var)
    try:
        at_start = {name: httpx.get(f"{url}/metrics", timeout=10).text for name, url in suite.urls.items()}
        yield suite, at_start
    finally:
        stop_suite(procs)


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [(s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples if s.name == name]


def _at_zero(text: str, name: str, **labels: str) -> bool:
    return any(all(got.get(k) == v for k, v in labels.items()) and value == 0 for got, value in _samples(text, name))


@pytest.mark.parametrize("service", ["applications", "cashflow", "scoring"])
def test_a_fresh_service_exports_its_labelled_counters_at_zero(fresh, service):
    import importlib

    suite, at_start = fresh
    text = at_start[service]
    topics = [suite.prefix + t for t in importlib.import_module(CONSUMES[service]).TOPICS]
    missing = []
    for topic in topics:
        notices = topic.endswith(".dlq")
        for result in ("applied", "duplicate", "dropped" if notices else "dead_lettered"):
            if not _at_zero(text, "ruralcredit_events_consumed_total", service=service, topic=topic, result=result):
                missing.append(f"events_consumed {topic} {result}")
        if not notices and not _at_zero(text, "ruralcredit_dead_letters_total", service=service, topic=topic):
            missing.append(f"dead_letters {topic}")
    if not _at_zero(text, "ruralcredit_outbox_publish_errors_total", service=service):
        missing.append("outbox_publish_errors")
    produced = {"applications": applications.TOPIC, "cashflow": cashflow.TOPIC, "scoring": decisions.TOPIC}[service]
    if not _at_zero(text, "ruralcredit_outbox_published_total", service=service, topic=produced):
        missing.append(f"outbox_published {produced}")
    assert not missing, f"{service} does not export these at 0 before the first one: {missing}"


def test_a_fresh_scorer_exports_every_outcome_and_grade_of_its_model_at_zero(fresh):
    _, at_start = fresh
    series = {(labels["outcome"], labels["grade"]) for labels, value in _samples(at_start["scoring"], "ruralcredit_decisions_total")
              if value == 0}
    assert series == {(o, g) for o in ("approve", "refer", "decline") for g in "ABCDE"}


def _decided(suite: Suite) -> dict:
    from ruralcredit_dev import demo

    keys = suite.var / "demo-keys.json"
    demo.seed(suite.urls["applications"], suite.admin_key, keys)
    app = demo.run(suite.urls["applications"], keys)
    assert app["decision"], app
    return app


def test_trace_shows_a_decided_applications_whole_path_in_one_screen(fresh):
    suite, _ = fresh
    app = _decided(suite)
    env = {**os.environ, **{f"{name.upper()}_DATABASE_URL": url for name, url in suite.database_urls.items()}}
    command = Path(sys.executable).parent / "ruralcredit"
    done = subprocess.run([command, "trace", app["id"], "--logs", str(suite.var)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    lines = out.splitlines()
    assert len(lines) <= 45, "one screen"
    assert app["id"] in lines[0] and app["status"] in lines[0]
    for hop in trace.HOPS:
        assert re.search(rf"^ +{re.escape(hop)} +\d\d:\d\d:\d\d\.\d{{3}} +\d+ ms$", out, re.M), f"{hop} not timed:\n{out}"
    for event, consumer in (("application.submitted", "cashflow"), ("cashflow.assessed", "scoring"), ("decision.made", "applications")):
        [row] = [line for line in lines if f" {event} on " in line]
        assert "published +" in row and f"applied by {consumer} +" in row, row
    assert "dead letters: none" in out
    audit = out.split("audit trail", 1)[1]
    assert "submitted" in audit and f"status:{app['status']}" in audit.replace("status:scored", "")
    assert "note:" not in out, out


def test_the_wait_from_submission_to_decision_is_measured(fresh):
    suite, at_start = fresh
    before = dict((labels.get("le"), v) for labels, v in _samples(at_start["applications"], "ruralcredit_submit_to_decision_seconds_bucket"))
    assert before and set(before.values()) == {0.0}, "the histogram is exported before the first decision"
    _decided(suite)
    text = httpx.get(f"{suite.urls['applications']}/metrics", timeout=10).text
    [(_, count)] = _samples(text, "ruralcredit_submit_to_decision_seconds_count")
    [(_, total)] = _samples(text, "ruralcredit_submit_to_decision_seconds_sum")
    assert count >= 1 and 0 < total < 60 * count


def test_trace_reads_the_lines_logged_while_the_applications_events_were_handled(fresh, tmp_path):
    suite, _ = fresh
    app = _decided(suite)
    log_file = tmp_path / "cashflow.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(JsonFormatter("cashflow"))
    log = logging.getLogger("tests.trace")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    event = type("Event", (), {"correlation_id": app["id"], "payload": {"application_id": app["id"]}})()
    other = type("Event", (), {"correlation_id": "app_other", "payload": {}})()
    try:
        with handling([event]):
            log.warning("forecast fell back to the seasonal profile")
        with handling([other]):
            log.warning("an other application's line")
        with handling([other, event]):
            log.info("a poll with both")
    finally:
        log.removeHandler(handler)
        handler.close()
    found = trace.collect(app["id"], suite.database_urls, log_file)
    assert found.log_matches == 2
    text = trace.render(found)
    assert "forecast fell back to the seasonal profile" in text and "a poll with both" in text
    assert "an other application's line" not in text
