"""Test support for the evidence service: a throwaway PostgreSQL database and the service in a thread.

The tests run against the real PostgreSQL on 127.0.0.1:5432 (CI starts it; see .ci/run). Each test
session creates ``exportguard_test_<pid>`` and drops it afterwards; each test starts from empty tables.
A test module whose tests share a costly set-up (an organisation, its exports reported) makes it once,
keeps a copy of every table (:func:`snapshot`) and puts it back before each test (:func:`restore`):
cheaper than a database per test (PostgreSQL checkpoints on every DROP DATABASE).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn
from psycopg import sql

from masking.cli.main import run
from masking.server.app import create_app
from masking.server.schema import migrate
from masking.watermark.store import TraceData
from masking.watermark.trace import TracedExport, TraceIndex, read_fragment, trace_fragment

BUNDLE_PASS = "bundle passphrase"
PG_ADMIN = os.environ.get("EXPORTGUARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"exportguard_test_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for (stale,) in admin.execute("SELECT datname FROM pg_database WHERE datname ~ '^exportguard_test_[0-9]+$'"):
            if not _alive(int(stale.rsplit("_", 1)[1])):  # a session killed before it could drop its own
                admin.execute(f"DROP DATABASE IF EXISTS {stale} WITH (FORCE)")
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _empty(conn: psycopg.Connection[Any]) -> None:
    conn.execute("TRUNCATE queries, postings, canary_postings, profile_postings, exports, records, enroll_codes,"
                 " tokens, workstations, trace_keys, policies RESTART IDENTITY CASCADE")
    conn.execute("UPDATE eg_meta SET value = '168' WHERE name = 'silent_hours'")


@pytest.fixture
def db(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _empty(conn)
        yield conn


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    return [str(name) for (name,) in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]


def empty_tables(pg_url: str) -> None:
    """The session database's tables emptied, for a module's shared set-up."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _empty(conn)


def take_snapshot(pg_url: str, name: str) -> None:
    """A copy of every table in schema ``name``, for :func:`restore` (and :func:`drop_snapshot` after)."""
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
        for table in _tables(conn):
            conn.execute(f"CREATE TABLE {name}.{table} AS TABLE public.{table}")


def drop_snapshot(pg_url: str, name: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def restore(conn: psycopg.Connection[Any], name: str) -> None:
    """Every table as :func:`take_snapshot` copied it, its serial counters following on from it."""
    tables = _tables(conn)
    with conn.transaction():
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        conn.execute("SET LOCAL session_replication_role = replica")  # rows go back in any order
        for table in tables:
            conn.execute(sql.SQL("INSERT INTO public.{} SELECT * FROM {}.{}").format(
                sql.Identifier(table), sql.Identifier(name), sql.Identifier(table)))
        for table, column, sequence in conn.execute(
                "SELECT c.table_name, c.column_name, pg_get_serial_sequence(c.table_name, c.column_name)"
                " FROM information_schema.columns c WHERE c.table_schema = 'public'"
                " AND c.column_default LIKE 'nextval(%%'").fetchall():
            conn.execute(sql.SQL("SELECT setval(%s, coalesce((SELECT max({}) FROM public.{}), 0) + 1, false)").format(
                sql.Identifier(column), sql.Identifier(table)), (sequence,))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """The service in a uvicorn thread; ``stop`` and ``start`` again on the same port."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(create_app(self.db_url, pool_size=4), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=20)
            self._server = self._thread = None


@contextmanager
def running_service(db_url: str) -> Iterator[Service]:
    running = Service(db_url)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def service(db: psycopg.Connection[Any], pg_url: str) -> Iterator[Service]:
    with running_service(pg_url) as running:
        yield running


# --- an organisation at the service, from the command line -------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """``exportguard ARGV``: its exit code, its output (parsed when JSON) and its error text."""
    code = run(list(argv))
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


@pytest.fixture
def office(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           service: Service) -> dict[str, str]:
    """The office's keys, given to the service (watermark sub-keys) and in a bundle for workstations."""
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", BUNDLE_PASS)
    home, bundle = str(tmp_path / "office"), str(tmp_path / "org.egkeys")
    assert cli(capsys, "--home", home, "keys", "init", "--no-passphrase")[0] == 0
    assert cli(capsys, "--home", home, "keys", "export-bundle", "--out", bundle)[0] == 0
    assert cli(capsys, "server", "keys", "--db", service.db_url, "--bundle", bundle, "--json")[0] == 0
    return {"bundle": bundle, "db": service.db_url, "url": service.url}


def enroll_workstation(capsys: pytest.CaptureFixture[str], office: dict[str, str], home: Path, name: str) -> None:
    """A workstation at ``home`` with the office's keys, enrolled at the service as ``name``."""
    assert cli(capsys, "--home", str(home), "keys", "import-bundle", office["bundle"])[0] == 0
    code, answer, _ = cli(capsys, "server", "enroll-code", "--db", office["db"], "--workstation", name, "--json")
    assert code == 0
    code, joined, err = cli(capsys, "--home", str(home), "enroll", office["url"], answer["code"], "--json")
    assert code == 0, err
    assert joined["workstation"] == name and joined["uploaded"] == 1  # the key import was already recorded
    code, _, err = cli(capsys, "--home", str(home), "enroll", office["url"], answer["code"])
    assert code == 5 and "unknown, used or expired" in err  # a code works once


def trace_everything(conn: psycopg.Connection[Any], fragment: Path) -> dict[str, Any]:
    """The report a trace scoring every export the service holds gives (no index): what the service's
    trace, which loads only the exports its index finds, must equal."""
    held = conn.execute("SELECT e.export_id, e.recipient, e.time, e.key_id, e.trace, w.name, e.user_name FROM exports e"
                        " JOIN workstations w ON w.id = e.workstation_id ORDER BY e.id").fetchall()
    everything = TraceIndex.of([TracedExport(*row[:4], TraceData.from_bytes(bytes(row[4])), *row[5:]) for row in held],
                               {k: bytes(v) for k, v in conn.execute("SELECT key_id, watermark_key FROM trace_keys")},
                               held=0)
    return trace_fragment(read_fragment(fragment), everything).as_dict()
