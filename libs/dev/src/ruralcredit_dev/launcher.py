"""`ruralcredit up`: the whole suite on one machine, on its embedded defaults.

Starts the local broker, creates the topics, prepares each service (migrations, and for the
scorer a model), starts the three services, waits until they are ready and prints where they
are. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from ruralcredit_common.contracts import ALL_TOPICS
from ruralcredit_common.errors import StartupError
from ruralcredit_common.kafka import ensure_topics
from ruralcredit_dev.broker import LocalBroker


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one service."""

    name: str
    module: str
    port: int
    # The processes the service runs as, by role: the first serves the API. Applications keeps its
    # decisions consumer apart from its API: in one process both wait on one interpreter lock,
    # and at the peak each decision queued behind the API's work for more than half a second.
    processes: tuple[str, ...] = ("all",)

    @property
    def env_prefix(self) -> str:
        """Its settings' environment prefix."""
        return self.name.upper() + "_"

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}"


# The first embedded run trains the scoring model on this many simulated loans (about 30 s).
BOOTSTRAP_LOANS = 20000

SERVICES = (
    ServiceSpec("applications", "ruralcredit_applications", 8001, processes=("api,relay", "consumer")),
    ServiceSpec("cashflow", "ruralcredit_cashflow", 8002),
    ServiceSpec("scoring", "ruralcredit_scoring", 8003),
)


def service_env(
    spec: ServiceSpec, *, var: Path, bootstrap: str, partitions: int, admin_key: str, peers: list[ServiceSpec] | None = None,
) -> dict[str, str]:
    """The environment one service runs with in the embedded suite."""
    p = spec.env_prefix
    env = dict(os.environ)
    env.setdefault(f"{p}DATABASE_URL", f"sqlite:///{var / spec.name}.db")
    env[f"{p}KAFKA_BOOTSTRAP"] = bootstrap
    env[f"{p}TOPIC_PARTITIONS"] = str(partitions)
    env[f"{p}HTTP_PORT"] = str(spec.port)
    env.setdefault(f"{p}ADMIN_API_KEY", admin_key)
    env.setdefault("SCORING_REGISTRY_DIR", str(var / "models"))
    # The scorer trains on a book whose features come from the forecaster the cashflow service runs.
    env.setdefault("CASHFLOW_FORECAST_MODEL_PATH", str(var / "models" / "forecast_gbm.json"))
    _, cashflow, scoring = peers or SERVICES
    env.setdefault("APPLICATIONS_CASHFLOW_URL", cashflow.url)
    env.setdefault("APPLICATIONS_SCORING_URL", scoring.url)
    return env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    print(f"  {what} …", flush=True)
    done = subprocess.run(cmd, env=env)
    if done.returncode != 0:
        raise StartupError(f"{what} failed (exit {done.returncode})")


def ensure_scoring_model(env: dict[str, str], var: Path, loans: int = BOOTSTRAP_LOANS) -> None:
    """With no promoted model, train one as a bank would, on a book: cashflow writes a simulated book
    with the features its own forecaster gives, and scoring trains on that file and promotes it."""
    registry = Path(env["SCORING_REGISTRY_DIR"])
    if (registry / "promoted.json").exists():
        return
    book, spec = var / "models" / "simulated-book.parquet", var / "models" / "simulated-book.spec.json"
    command = str(Path(sys.executable).parent / "ruralcredit")
    print(f"  no promoted scoring model: training one on {loans} simulated loans …", flush=True)
    _run([command, "cashflow", "loan-book", "--loans", str(loans), "--seed", "42", "--out", str(book), "--spec", str(spec)],
         env, "writing the simulated loan book")
    _run([command, "scoring", "train", "--book", str(book), "--spec", str(spec), "--promote", "--registry", str(registry)],
         env, "training the scoring model on it")


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Wait until the service answers /readyz with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StartupError(f"service at {url} exited during start-up (exit {proc.returncode})")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise StartupError(f"service at {url} not ready within {timeout:.0f}s")


def consumer_env(env: dict[str, str], spec: ServiceSpec, metrics_port: int) -> dict[str, str]:
    """The environment of an extra consumer process of a service: same group, its own metrics port."""
    return {**env, f"{spec.env_prefix}METRICS_PORT": str(metrics_port)}


def up(
    *, var: Path, broker_port: int, partitions: int, admin_key: str, seed_demo: bool = True, consumers: int = 1, port_base: int = 8000,
) -> None:
    """Run the suite until Ctrl-C.

    Each service runs its API, outbox relay and a consumer, in the processes its spec names (one
    for cashflow and scoring, two for applications), plus `consumers - 1` consumer-only processes
    in the same consumer group, which share the topics' partitions.
    """
    if not 1 <= consumers <= partitions:
        raise StartupError(f"--consumers must be between 1 and the {partitions} partitions")
    services = [replace(s, port=port_base + i + 1) for i, s in enumerate(SERVICES)]
    var.mkdir(parents=True, exist_ok=True)
    print(f"starting the local broker on 127.0.0.1:{broker_port} …", flush=True)
    broker = LocalBroker(port=broker_port, log_path=var / "broker.log").start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        created = ensure_topics(broker.bootstrap, [t.TOPIC for t in ALL_TOPICS], partitions)
        print(f"topics ready ({len(created)} created, {partitions} partitions each)", flush=True)
        envs = {}
        for s in services:
            envs[s.name] = service_env(s, var=var, bootstrap=broker.bootstrap, partitions=partitions, admin_key=admin_key, peers=services)
        for spec in services:
            if spec.name == "scoring":
                ensure_scoring_model(envs[spec.name], var)
            _run([sys.executable, "-m", spec.module, "prepare"], envs[spec.name], f"preparing {spec.name}")
        for spec in services:
            procs.append(_start(spec, spec.processes[0], envs[spec.name], var / f"{spec.name}.log"))
        for spec, proc in zip(services, procs, strict=True):
            wait_ready(spec.url, proc)
            print(f"  {spec.name:<12} ready at {spec.url}   docs: {spec.url}/docs", flush=True)
        for i, spec in enumerate(services):
            for role in spec.processes[1:]:
                metrics_port = port_base + 4 + i
                procs.append(_start(spec, role, consumer_env(envs[spec.name], spec, metrics_port),
                                    var / f"{spec.name}-{role.replace(',', '-')}.log"))
                print(f"  {spec.name:<12} {role} started, metrics at http://127.0.0.1:{metrics_port}/metrics", flush=True)
        for k in range(1, consumers):
            for i, spec in enumerate(services):
                metrics_port = port_base + 10 * k + i + 1
                procs.append(_start(spec, "consumer", consumer_env(envs[spec.name], spec, metrics_port), var / f"{spec.name}-consumer{k}.log"))
                print(f"  {spec.name:<12} consumer {k + 1} started, metrics at http://127.0.0.1:{metrics_port}/metrics", flush=True)
        if seed_demo:
            from ruralcredit_dev.demo import seed

            keys = seed(services[0].url, admin_key, var / "demo-keys.json")
            print(f"demo API keys (header X-API-Key; also in {var / 'demo-keys.json'}):")
            for role, key in keys.items():
                print(f"  {role:<10} {key}")
        print(f"logs in {var}/; the suite is up. Run `make demo` in another terminal; Ctrl-C stops everything.", flush=True)
        _wait_forever(procs)
    finally:
        print("stopping …", flush=True)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        broker.stop()
        print("stopped.", flush=True)


def _start(spec: ServiceSpec, role: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """One process of a service in the given role(s), its output appended to its log."""
    log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the child
    return subprocess.Popen([sys.executable, "-m", spec.module, role], env=env, stdout=log, stderr=log)


def _wait_forever(procs: list[subprocess.Popen[bytes]]) -> None:
    stop = False

    def handle(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, handle)
    try:
        while not stop:
            for proc in procs:
                if proc.poll() is not None:
                    raise StartupError(f"a service exited unexpectedly (exit {proc.returncode}); see var/*.log")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
