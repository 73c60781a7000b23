"""Connections to the evidence database; a failure to connect is the service being unreachable (exit 7)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from masking.errors import ServiceUnreachable, UsageError


def check_url(url: str) -> str:
    if not url.startswith(("postgresql://", "postgres://")) and "=" not in url:
        raise UsageError(f"{url!r} is not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB)")
    return url


@contextmanager
def connect(url: str) -> Iterator[psycopg.Connection[Any]]:
    try:
        conn = psycopg.connect(check_url(url), autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ServiceUnreachable(f"the evidence database could not be reached ({first})") from None
    try:
        yield conn
    finally:
        conn.close()
