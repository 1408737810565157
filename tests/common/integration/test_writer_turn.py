"""Writers of one SQLite file take turns through its lock file: across processes (the applications
API and its decisions consumer), and across engines of one process, with a bounded wait."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from ruralcredit_common import db, writer_turn

HOLDER = """
import sys
from sqlalchemy import text
from ruralcredit_common import db
engine = db.create_db_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO t VALUES (1)"))
    print("holding", flush=True)
    sys.stdin.readline()
engine.dispose()
"""


def _turn_is_free(lock_file: Path) -> bool:
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_write_in_another_process_holds_the_turn_until_it_ends(tmp_path):
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    lock_file = tmp_path / "turns.db-writer.lock"
    assert _turn_is_free(lock_file)

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert not _turn_is_free(lock_file)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    assert _turn_is_free(lock_file)


def test_a_second_engine_of_the_same_process_waits_its_turn_then_gives_up_with_sqlites_error(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_turn, "WAIT_SECONDS", 0.3)
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    first, second = db.create_db_engine(url), db.create_db_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    errors: list[BaseException] = []

    def write_with_second() -> None:
        try:
            with second.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            errors.append(exc)

    with first.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        waiter = threading.Thread(target=write_with_second)
        waiter.start()
        waiter.join(timeout=10)
    assert len(errors) == 1 and "no turn to write" in str(errors[0])

    # Its failed checkout gave back nothing: the first engine's turn is still its own to end, and
    # once it has ended the second engine writes.
    write_with_second()
    with first.connect() as conn:
        assert sorted(conn.scalars(text("SELECT x FROM t"))) == [1, 2]
    first.dispose()
    second.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_in_memory_has_no_lock_file(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert list(tmp_path.iterdir()) == []
