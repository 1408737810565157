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


def test_a_write_in_another_process_holds_the_turn_until_it_ends(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    lock_file = tmp_path / "turns.db-writer.lock"
    assert _turn_is_free(lock_file)

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert not _turn_is_free(lock_file)
        # A writer here waits no longer than SQLite would, then fails as SQLite does.
        monkeypatch.setattr(writer_turn, "WAIT_SECONDS", 0.3)
        with pytest.raises(Exception, match=r"no turn to write within 0\.3 s"), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    assert _turn_is_free(lock_file)
    engine.dispose()


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


def test_a_forked_child_does_not_share_its_parents_turn_and_gets_it_when_the_parent_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_turn, "WAIT_SECONDS", 10)
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    turn = writer_turn.WriterTurn.of(tmp_path / "turns.db")
    ready_r, ready_w = os.pipe()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        pid = os.fork()
        if pid == 0:  # the child, forked while the parent holds the turn
            code = 0
            try:
                fcntl.flock(turn.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                code = 2  # it shared the parent's lock file, and so its turn
            except BlockingIOError:
                os.write(ready_w, b"1")
                try:
                    turn.take()  # waits for the parent's transaction to end
                    turn.give_back()
                except Exception:  # noqa: BLE001 - reported by the exit code
                    code = 3
            os._exit(code)
        os.close(ready_w)  # so that a child gone without a word ends the read
        assert os.read(ready_r, 1) == b"1"
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    engine.dispose()
