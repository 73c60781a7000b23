"""Issue 18's fragments traced at the office's service: the informed world (tests/informed_world.py) put into
a scratch PostgreSQL database as the service's ingest indexes it (``masking.server.postings``), then
``trace_at_service`` on informed, names-dropped and phone-only fragments.

    .venv/bin/python bench/bench_service_informed.py [--decoys 300] [--db postgresql://postgres@127.0.0.1:5432]

Prints per fragment: seconds, exports loaded (and how many the index would load without
``profile_postings``), who is named, and whether the report equals the local trace scoring every export.
Creates and drops the database ``exportguard_bench_informed``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import informed_world as w
import psycopg

from masking.server.postings import add_postings, all_fingerprints
from masking.server.schema import migrate
from masking.server.search import candidate_exports, trace_at_service
from masking.watermark.trace import Fragment, TraceReport, fragment_lookup, trace_fragment

DB_NAME = "exportguard_bench_informed"


def _load(conn: psycopg.Connection[Any], world: w.World) -> None:
    workstation = conn.execute("INSERT INTO workstations (name, public_key, ledger, host, user_name)"
                               " VALUES ('bench', 'k', 'l', 'h', 'u') RETURNING id").fetchone()
    assert workstation is not None  # noqa: S101 (INSERT ... RETURNING)
    for key_id, key in world.index.keys.items():
        conn.execute("INSERT INTO trace_keys (key_id, watermark_key) VALUES (%s, %s)", (key_id, key.watermark_key))
    with conn.transaction():
        for n, export in enumerate(world.index.exports):
            record = conn.execute(
                "INSERT INTO records (workstation_id, seq, event, time, body, prev_hash, hash, key_id, mac)"
                " VALUES (%s, %s, 'export', %s, '{}', '', %s, %s, '') RETURNING id",
                (workstation[0], n + 1, export.time, str(n), export.key_id)).fetchone()
            assert record is not None  # noqa: S101 (as above)
            row = conn.execute(
                "INSERT INTO exports (export_id, record_id, workstation_id, recipient, user_name, time, key_id,"
                " fingerprints, canaries, trace) VALUES (%s, %s, %s, %s, 'u', %s, %s, %s, %s, %s) RETURNING id",
                (export.export_id, record[0], workstation[0], export.recipient, export.time, export.key_id,
                 len(all_fingerprints(export.data)), len(export.data.canary_fps), export.data.to_bytes())).fetchone()
            assert row is not None  # noqa: S101 (as above)
            add_postings(conn, int(row[0]), export.data)
    conn.execute("VACUUM ANALYZE")


def _plain(report: TraceReport) -> dict[str, Any]:
    """The report without where each export was made (the service knows it, a local trace does not)."""
    data = report.as_dict()
    for candidate in data["candidates"]:
        candidate.pop("workstation", None)
        candidate.pop("user", None)
    return data


def _names_dropped(rows: list[list[str]], size: int, rng: random.Random) -> list[list[str]]:
    return [row[1:] for row in w.informed_leak(rows, size, rng, id_keep=(1, 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decoys", type=int, default=300)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    os.urandom = random.Random(18).randbytes  # keys and export ids: one fixed world
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(f"{args.db}/postgres", autocommit=True) as admin:
        world = w.build(Path(tmp), decoys=args.decoys)
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
        try:
            with psycopg.connect(f"{args.db}/{DB_NAME}", autocommit=True) as conn:
                migrate(conn)
                started = time.perf_counter()
                _load(conn, world)
                sizes = conn.execute("SELECT (SELECT count(*) FROM postings), (SELECT count(*) FROM canary_postings),"
                                     " (SELECT count(*) FROM profile_postings)").fetchone()
                print(f"{len(world.index.exports)} exports indexed in {time.perf_counter() - started:.1f} s; "
                      f"postings, canary_postings, profile_postings rows: {sizes}")
                _traces(conn, world)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _traces(conn: psycopg.Connection[Any], world: w.World) -> None:
    names = {v: k for k, v in world.ids.items()}
    key = next(iter(world.index.keys.values())).watermark_key
    cases: list[tuple[str, str, int, Callable[[list[list[str]], int, random.Random], list[list[str]]]]] = [
        ("informed", "E0", 200, w.informed_leak), ("names dropped, IDs 1+1", "E0", 200, _names_dropped),
        ("names dropped, IDs 1+1", "E0", 50, _names_dropped), ("phones only", "phones", 80, w.phone_only)]
    for label, name, size, make in cases:
        for n in range(3):
            fragment = Fragment(tuple(tuple(r) for r in make(world.rows[name], size, w.sample_seed(label, size, n))))
            started = time.perf_counter()
            report = trace_at_service(conn, fragment)
            seconds = time.perf_counter() - started
            lookup = fragment_lookup(fragment, key)
            without = dataclasses.replace(lookup, profile_fps=(), profile_rows=(), profile_kinds=(), profile_need=())
            print(f"{label}, {size} rows #{n}: {seconds:.2f} s, {len(candidate_exports(conn, lookup))} of "
                  f"{len(world.index.exports)} exports loaded ({len(candidate_exports(conn, without))} without "
                  f"profile_postings), named {[names.get(c.export_id, 'decoy') for c in report.named]}, "
                  f"equal to the local trace: {_plain(report) == _plain(trace_fragment(fragment, world.index))}")


if __name__ == "__main__":
    main()
