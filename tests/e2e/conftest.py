"""The three services as real processes over the real broker and real databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ruralcredit_common.broker import free_port
from ruralcredit_common.contracts import ALL_TOPICS
from ruralcredit_common.kafka import ensure_topics
from ruralcredit_common.launcher import SERVICES, ServiceSpec, service_env, wait_ready
from tests.support import unique

ADMIN_KEY = "e2e-admin-key-0001"


@dataclass
class Suite:
    """Where the running services are and how they were configured."""

    urls: dict[str, str]
    env: dict[str, dict[str, str]]
    database_urls: dict[str, str]
    prefix: str
    admin_key: str = ADMIN_KEY


@pytest.fixture(scope="session")
def model_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with a promoted model trained once per test session on simulated loans."""
    from ruralcredit_scoring.model import pipeline
    from ruralcredit_scoring.model.registry import Registry

    root = tmp_path_factory.mktemp("models")
    result = pipeline.train_simulated(4000, seed=3, log=lambda *_: None)
    pipeline.register(result, Registry(root), promote=True, with_card=False)
    return root


def start_suite(broker, database_url_factory, model_registry: Path, var: Path) -> tuple[Suite, list[subprocess.Popen[bytes]]]:
    """Prepare and start the three services on free ports with their own topics and databases."""
    prefix = unique("e2e").replace("-", "") + "."
    ensure_topics(broker.bootstrap, [prefix + t.TOPIC for t in ALL_TOPICS], partitions=3)
    specs = [ServiceSpec(s.name, s.module, free_port()) for s in SERVICES]
    envs, dbs = {}, {}
    for spec in specs:
        env = service_env(spec, var=var, bootstrap=broker.bootstrap, partitions=3, admin_key=ADMIN_KEY)
        dbs[spec.name] = env[f"{spec.env_prefix}DATABASE_URL"] = database_url_factory(spec.name)
        env[f"{spec.env_prefix}TOPIC_PREFIX"] = prefix
        env["SCORING_REGISTRY_DIR"] = str(model_registry)
        env["SCORING_BOOTSTRAP_LOANS"] = "0"
        # The session's model was trained on seasonal-profile features: serve with the same forecaster.
        env["CASHFLOW_FORECAST_MODEL_PATH"] = env["SCORING_FORECAST_MODEL_PATH"] = ""
        env["APPLICATIONS_CASHFLOW_URL"] = f"http://127.0.0.1:{specs[1].port}"
        env["APPLICATIONS_SCORING_URL"] = f"http://127.0.0.1:{specs[2].port}"
        envs[spec.name] = env
    for spec in specs:
        subprocess.run([sys.executable, "-m", spec.module, "prepare"], env=envs[spec.name], check=True, capture_output=True)
    procs = []
    for spec in specs:
        log = open(var / f"{spec.name}.log", "ab")
        procs.append(subprocess.Popen([sys.executable, "-m", spec.module, "all"], env=envs[spec.name], stdout=log, stderr=log))
    for spec, proc in zip(specs, procs):
        wait_ready(spec.url, proc)
    return Suite({s.name: s.url for s in specs}, envs, dbs, prefix), procs


def stop_suite(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every service and wait for it."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.fixture(scope="module")
def suite(broker, database_url_factory, model_registry, tmp_path_factory) -> Iterator[Suite]:
    """The running suite for a test module."""
    var = tmp_path_factory.mktemp("var")
    running, procs = start_suite(broker, database_url_factory, model_registry, var)
    try:
        yield running
    finally:
        stop_suite(procs)
