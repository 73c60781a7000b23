"""Test support for the evidence service: a throwaway PostgreSQL database and the service in a thread.

The tests run against the real PostgreSQL on 127.0.0.1:5432 (CI starts it; see .ci/run). Each test
session creates ``exportguard_test_<pid>`` and drops it afterwards; each test starts from empty tables.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import uvicorn

from masking.server.app import create_app
from masking.server.schema import migrate

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


@pytest.fixture
def db(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("TRUNCATE queries, postings, exports, records, enroll_codes, tokens, workstations, trace_keys,"
                     " policies RESTART IDENTITY CASCADE")
        conn.execute("UPDATE eg_meta SET value = '168' WHERE name = 'silent_hours'")
        yield conn


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


@pytest.fixture
def service(db: psycopg.Connection[Any], pg_url: str) -> Iterator[Service]:
    running = Service(pg_url)
    running.start()
    try:
        yield running
    finally:
        running.stop()
