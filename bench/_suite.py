"""Helpers for the benchmarks: a local broker, fresh databases, a service process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ruralcredit_common.contracts import ALL_TOPICS
from ruralcredit_common.kafka import ensure_topics
from ruralcredit_dev.broker import LocalBroker, free_port
from ruralcredit_dev.launcher import wait_ready

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def database(kind: str, name: str, workdir: Path) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL database (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / name}.db"
        return
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    db_name = f"rc_bench_{name}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def broker() -> Iterator[LocalBroker]:
    """A local broker with the suite's topics."""
    b = LocalBroker().start()
    try:
        ensure_topics(b.bootstrap, [t.TOPIC for t in ALL_TOPICS], partitions=6)
        yield b
    finally:
        b.stop()


@contextmanager
def service(module: str, prefix: str, env_extra: dict[str, str], log: Path, role: str = "all") -> Iterator[str]:
    """Migrate and run one service; yields its base URL."""
    port = free_port()
    env = {**os.environ, **env_extra, f"{prefix}HTTP_PORT": str(port), f"{prefix}LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", module, "migrate"], env=env, check=True, capture_output=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", module, role], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
