"""Wiring shared by the three services: start-up checks, and running the API, the consumer
and the outbox relay as one process each or together."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ruralcredit_common import db
from ruralcredit_common.errors import StartupError
from ruralcredit_common.kafka import ConsumerLoop, GroupLag, Handler, broker_reachable, make_producer
from ruralcredit_common.outbox import OutboxRelay
from ruralcredit_common.retention import prune_processed
from ruralcredit_common.server import BoundedHttpTools
from ruralcredit_common.settings import ServiceSettings

log = logging.getLogger(__name__)

ROLES = ("all", "api", "consumer", "relay")
# How often consumers prune processed_events: the window is days long, an hour late is nothing.
PRUNE_EVERY = 3600.0
# A periodic job: its name, how often it runs (seconds), what it does, and which roles run it.
Job = tuple[str, float, "Callable[[Runtime[Any]], None]", tuple[str, ...]]
# The service's own settings class, so that its hooks read its own settings with their types.
S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Runtime(Generic[S]):
    """One service's database, relay and consumer; built once by the service's bootstrap."""

    name: str
    settings: S
    engine: Engine
    factory: sessionmaker[Session]
    base: Any
    migrations: str
    make_app: Callable[[Runtime[S]], FastAPI]
    topics: list[str] = field(default_factory=list)
    handler: Handler | None = None
    # Extra start-up work beyond migrations (the scorer makes sure a model is promoted).
    prepare_hook: Callable[[Runtime[S]], None] | None = None
    # Work done when a role starts, after the start-up checks (the scorer loads its model).
    start_hook: Callable[[Runtime[S]], None] | None = None
    # What the hooks leave for the app and the consumer (the scorer's engine).
    state: dict[str, Any] = field(default_factory=dict)
    # Periodic work beside the consumer: (name, every seconds, job, the roles that run it).
    jobs: list[Job] = field(default_factory=list)
    relay: OutboxRelay = field(init=False)
    stop: threading.Event = field(default_factory=threading.Event)
    role: str = "all"
    failed: bool = False
    # Read-only connections beside the one writer on SQLite (db.create_reader_engine); None elsewhere.
    reader_engine: Engine | None = None
    # Sessions for work that only reads: on SQLite they never wait for the writer.
    reads: sessionmaker[Session] = field(init=False)

    @classmethod
    def create(cls, *, name: str, settings: S, base: Any, **parts: Any) -> Runtime[S]:
        """A service's runtime: JSON logging configured, its engine and session factory made."""
        from ruralcredit_common import logging as rc_logging

        rc_logging.configure(name, settings.log_level)
        engine = db.create_db_engine(settings.database_url)
        return cls(name=name, settings=settings, engine=engine, factory=db.session_factory(engine), base=base,
                   reader_engine=db.create_reader_engine(settings.database_url), **parts)

    def __post_init__(self) -> None:
        self.reads = db.session_factory(self.reader_engine) if self.reader_engine is not None else self.factory
        self.relay = OutboxRelay(
            service=self.name,
            factory=self.factory,
            read_engine=self.reader_engine,
            row_model=self.base.OutboxRow,
            producer_factory=lambda: make_producer(self.settings.kafka_bootstrap),
            topic_prefix=self.settings.topic_prefix,
            idle_wait=self.settings.relay_poll_seconds,
        )

    def consumer(self) -> ConsumerLoop:
        """The consumer loop of this service's topics, in its consumer group."""
        assert self.handler is not None
        s = self.settings
        return ConsumerLoop(
            service=self.name, bootstrap=s.kafka_bootstrap, group_id=s.consumer_group, topics=self.topics,
            handler=self.handler, factory=self.factory, processed_model=self.base.ProcessedEvent,
            fetch_max_wait_ms=s.fetch_max_wait_ms, topic_prefix=s.topic_prefix, on_applied=self.relay.wake,
        )

    def readiness(self) -> tuple[bool, dict[str, bool]]:
        """Whether the database and the broker answer, and whether this role can work.

        An API-only process stays ready while the broker is away: its writes go to the outbox.
        """
        try:
            db.check_reachable(self.engine)
            database = True
        except StartupError:
            database = False
        broker = broker_reachable(self.settings.kafka_bootstrap)
        return database and (broker or self.role == "api"), {"database": database, "broker": broker}

    def check_startup(self, *, need_broker: bool) -> None:
        """Fail fast, with one line, when the database or broker is unreachable or not migrated."""
        db.check_reachable(self.engine)
        db.check_migrated(self.engine, self.migrations)
        if need_broker and not broker_reachable(self.settings.kafka_bootstrap, timeout=2):
            raise StartupError(f"Kafka broker unreachable at {self.settings.kafka_bootstrap}")

    def migrate(self) -> None:
        """Apply this service's migrations."""
        db.check_reachable(self.engine)
        db.migrate(self.settings.database_url, self.migrations)

    def prepare(self) -> None:
        """Everything a fresh deployment needs before it runs: migrations, then the service's own step."""
        self.migrate()
        if self.prepare_hook is not None:
            self.prepare_hook(self)

    def run(self, role: str = "all") -> None:
        """Run one role, several joined by commas ("consumer,relay"), or all of them, until SIGTERM
        or Ctrl-C; then finish what is in hand."""
        self.role = role
        roles = set(split_roles(role))
        self.check_startup(need_broker=roles != {"api"})
        if self.start_hook is not None:
            self.start_hook(self)
        threads = []
        if "relay" in roles:
            threads.append(threading.Thread(target=self._guard, args=(self.relay.run,), name="relay"))
        if "consumer" in roles and self.handler is not None:
            threads.append(threading.Thread(target=self._guard, args=(self.consumer().run,), name="consumer"))
        threads += [threading.Thread(target=self._every, args=job[:3], name=job[0]) for job in self._jobs() if roles & set(job[3])]
        if "api" not in roles and self.settings.metrics_port:
            from prometheus_client import start_http_server

            start_http_server(self.settings.metrics_port, addr=self.settings.http_host)
        for t in threads:
            t.start()
        try:
            if "api" in roles:
                self._serve_http()
            else:
                with stop_on_signals(self.stop):
                    self.stop.wait()
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=30)
            self.engine.dispose()
            if self.reader_engine is not None:
                self.reader_engine.dispose()
            log.info("stopped")
        if self.failed:
            raise SystemExit(1)

    def _guard(self, work: Callable[[threading.Event], None]) -> None:
        # A worker that dies must take the process down, so that it is restarted rather
        # than left alive with nothing consumed or relayed.
        try:
            work(self.stop)
        except Exception:
            log.exception("worker thread died; stopping the process")
            self.failed = True
            self.stop.set()

    def _jobs(self) -> list[Job]:
        """The service's jobs, the lag of its consumer group read from the broker by its relay, and
        its consumers forgetting the ids of events applied past the retention window."""
        if self.handler is None and not self.topics:
            return self.jobs
        lag = GroupLag(self.settings.kafka_bootstrap, self.settings.consumer_group, [self.settings.topic_prefix + t for t in self.topics])
        return [*self.jobs, ("group-lag", 10.0, lambda _: lag.record(), ("all", "relay")),
                ("prune-processed-events", PRUNE_EVERY, Runtime.prune_processed, ("all", "consumer"))]

    def prune_processed(self) -> None:
        """Forget the ids of the events applied before the retention window."""
        prune_processed(self.engine, self.base.ProcessedEvent.__table__,
                        keep=dt.timedelta(days=self.settings.processed_events_keep_days))

    def _every(self, name: str, seconds: float, job: Callable[[Runtime[Any]], None]) -> None:
        # A failing run is logged and tried again next time: the job must not take the process
        # down. The traceback is logged once per spell of failures (a broker outage lasts a while).
        failing = False
        while not self.stop.wait(seconds):
            try:
                job(self)
                failing = False
            except Exception as exc:
                log.warning("periodic job %s failed: %s", name, exc, exc_info=not failing)
                failing = True

    def _serve_http(self) -> None:
        app = self.make_app(self)
        config = uvicorn.Config(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
            # httptools parses requests in C (bounded: see server.py). The asyncio loop rather than
            # uvloop: under a full closed-loop load uvloop served connections less evenly (p99
            # twice p50, against 1.3×).
            loop="asyncio",
            http=BoundedHttpTools,
        )
        server = _Server(config, self.stop)

        def exit_when_stopped() -> None:
            # A dead worker thread sets `stop`; the HTTP server must then go down with it.
            self.stop.wait()
            server.should_exit = True

        threading.Thread(target=exit_when_stopped, daemon=True).start()
        # What start-up loaded (libraries, the model) lives as long as the process: frozen, a
        # full collection during a request does not walk it (0.14 s here otherwise).
        gc.collect()
        gc.freeze()
        server.run()


class _Server(uvicorn.Server):
    """uvicorn that also stops the service's threads on a signal and does not re-raise it."""

    def __init__(self, config: uvicorn.Config, stop: threading.Event) -> None:
        super().__init__(config)
        self._stop = stop

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        def handle(*_: Any) -> None:
            self.should_exit = True
            self._stop.set()

        with stop_on_signals(self._stop, handle):
            yield


@contextmanager
def stop_on_signals(stop: threading.Event, handler: Callable[..., None] | None = None) -> Iterator[None]:
    """Set `stop` on SIGTERM or SIGINT (or call `handler`) while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handle = handler or (lambda *_: stop.set())
    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def split_roles(role: str) -> tuple[str, ...]:
    """The roles one process runs: "all" is the API, the relay and the consumer."""
    parts = tuple(role.split(","))
    return ("api", "relay", "consumer") if "all" in parts else parts


def service_main(build: Callable[[], Runtime[Any]], argv: list[str] | None = None) -> None:
    """`python -m <service> [migrate|prepare|all|api|consumer|relay]`: one line on a start-up error."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "all"
    if command not in ("migrate", "prepare") and not set(command.split(",")) <= set(ROLES):
        print(f"usage: {sys.argv[0]} [migrate|prepare|{'|'.join(ROLES)}[,role…]]", file=sys.stderr)
        raise SystemExit(2)
    try:
        runtime = build()
        if command == "migrate":
            runtime.migrate()
        elif command == "prepare":
            runtime.prepare()
        else:
            runtime.run(command)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        field_name = ".".join(str(p) for p in err["loc"])
        print(f"error: bad setting {field_name}: {err['msg']}", file=sys.stderr)
        raise SystemExit(1) from None
