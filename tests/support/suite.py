"""The three services as real processes over a real broker and real databases, for the tests
that need the whole suite: one `all` process per service, or each role in its own process so
that one of them can be killed, paused or restarted while the others go on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ruralcredit_common.contracts import ALL_TOPICS
from ruralcredit_common.kafka import ensure_topics
from ruralcredit_dev.broker import free_port
from ruralcredit_dev.launcher import SERVICES, ServiceSpec, service_env, wait_ready
from tests.support import unique

ADMIN_KEY = "e2e-admin-key-0001"
# For tests that check nothing is lost or done twice while processes die and restart: on a busy
# machine a restart can outlast the 60 s decision deadline, which would then refer applications
# to an officer (as designed, and tested on its own). Give it room there.
ROOM_FOR_RESTARTS = {"APPLICATIONS_DECISION_DEADLINE_SECONDS": "900"}


def train_registry(root: Path, loans: int = 12000, seed: int = 3) -> Path:
    """A registry with a model trained on a simulated book (seasonal-profile features) and promoted,
    through the files and the path a bank's book takes. 12,000 loans hold about a hundred defaults."""
    from ruralcredit_scoring.model import pipeline
    from ruralcredit_scoring.model.registry import Registry
    from tests.support.books import write_simulated_book

    book, spec = write_simulated_book(root / "book", loans, seed)
    result = pipeline.train_file(book, spec, log=lambda *_: None)
    pipeline.register(result, Registry(root / "registry"), promote=True, with_card=False)
    return root / "registry"


@dataclass
class Suite:
    """Where the running services are and how they were configured."""

    urls: dict[str, str]
    env: dict[str, dict[str, str]]
    database_urls: dict[str, str]
    prefix: str
    admin_key: str = ADMIN_KEY
    bootstrap: str = ""
    var: Path = Path(".")
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)
    metrics_urls: dict[str, str] = field(default_factory=dict)

    def start(self, name: str) -> subprocess.Popen[bytes]:
        """Start the process `service:role[:n]` (e.g. "cashflow:consumer:2")."""
        service, role, *_ = name.split(":")
        env = dict(self.env[service])
        if role in ("consumer", "relay"):
            port = free_port()
            env[f"{service.upper()}_METRICS_PORT"] = str(port)
            self.metrics_urls[name] = f"http://127.0.0.1:{port}/metrics"
        else:
            self.metrics_urls[name] = f"{self.urls[service]}/metrics"
        log = open(self.var / f"{name.replace(':', '-')}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", self.modules[service], role], env=env, stdout=log, stderr=log)
        self.procs[name] = proc
        return proc

    def partitions(self, name: str) -> int:
        """How many partitions the process `name` holds in its consumer group (0 if it cannot say)."""
        import httpx

        try:
            text = httpx.get(self.metrics_urls[name], timeout=2).text
        except httpx.HTTPError:
            return 0
        return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("ruralcredit_consumer_partitions{")))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to one process and, unless it only pauses it, wait for it to end."""
        proc = self.procs[name]
        proc.send_signal(sig)
        if sig not in (signal.SIGSTOP, signal.SIGCONT):
            proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM every process and wait for it."""
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def start_suite(
    broker, database_url_factory, model_registry: Path, var: Path, *, roles: tuple[str, ...] = ("all",), consumers: int = 1,
    partitions: int = 3, extra_env: dict[str, str] | None = None,
) -> tuple[Suite, list[subprocess.Popen[bytes]]]:
    """Prepare and start the three services on free ports with their own topics and databases.

    `roles` are started once per service ("all", or "api", "relay", "consumer" apart), and
    `consumers - 1` more consumer processes join each service's group.
    """
    prefix = unique("e2e").replace("-", "") + "."
    ensure_topics(broker.bootstrap, [prefix + t.TOPIC for t in ALL_TOPICS], partitions=partitions)
    specs = [ServiceSpec(s.name, s.module, free_port()) for s in SERVICES]
    envs, dbs = {}, {}
    for spec in specs:
        env = service_env(spec, var=var, bootstrap=broker.bootstrap, partitions=partitions, admin_key=ADMIN_KEY, peers=specs)
        dbs[spec.name] = env[f"{spec.env_prefix}DATABASE_URL"] = database_url_factory(spec.name)
        env[f"{spec.env_prefix}TOPIC_PREFIX"] = prefix
        env[f"{spec.env_prefix}CONSUMER_GROUP"] = prefix + spec.name
        env["SCORING_REGISTRY_DIR"] = str(model_registry)
        # The session's model was trained on seasonal-profile features: serve with the same forecaster.
        env["CASHFLOW_FORECAST_MODEL_PATH"] = env["SCORING_FORECAST_MODEL_PATH"] = ""
        env.update(extra_env or {})
        envs[spec.name] = env
    # Each service prepares only its own database: the three go side by side.
    preparing = {spec.name: subprocess.Popen([sys.executable, "-m", spec.module, "prepare"], env=envs[spec.name],
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for spec in specs}
    outputs = {name: proc.communicate()[0] for name, proc in preparing.items()}
    for name, proc in preparing.items():
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, outputs[name])
    suite = Suite({s.name: s.url for s in specs}, envs, dbs, prefix, bootstrap=broker.bootstrap, var=var,
                  modules={s.name: s.module for s in specs})
    for spec in specs:
        for role in roles:
            suite.start(f"{spec.name}:{role}")
        for k in range(2, consumers + 1):
            suite.start(f"{spec.name}:consumer:{k}")
    for spec in specs:
        web = f"{spec.name}:{'all' if 'all' in roles else 'api'}"
        if web in suite.procs:
            wait_ready(spec.url, suite.procs[web], timeout=240)  # generous: CI machines are shared
    return suite, list(suite.procs.values())


def stop_suite(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every service and wait for it."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def environ_has_postgres() -> bool:
    """Whether the tests run on PostgreSQL (DATABASE_URL points at one)."""
    return os.environ.get("DATABASE_URL", "").startswith("postgresql")
