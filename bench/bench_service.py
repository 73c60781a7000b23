"""Trace at the evidence service against a large organisation held in PostgreSQL.

Builds a branch's world of customers and recipients, loads exports' trace data and their inverted
index (fingerprint -> export) with COPY, then times ``masking.server.search.trace_at_service`` (the
service's own trace, without HTTP) for 20-row fragments:

* stage 1: ``--large`` exports of 200-5,000 rows (uniform), then the fragments are traced;
* stage 2: ``--small`` more exports of ~200 rows (150-250), traced again: the growth from stage 1.

Every customer has a phone, a meter number and an account number, pseudonymized per recipient (the
tokens a fragment carries; the same customer sent to the same recipient twice gives the same tokens,
as in real exports), and a masked phone (an identity shared by every export that carried it, as the
marks layer records). Fingerprints are the real keyed ones (AES-CMAC under a fresh watermark key) of
the features ``trace`` computes from the fragment's cells, so the service finds them as it would in
use. Canary rows are left out (they only add fingerprints to the exports that carry them).

    .venv/bin/python bench/bench_service.py --large 10000 --small 100000      # the issue's scale
    .venv/bin/python bench/bench_service.py --large 1000 --small 10000        # a tenth, ~10 min

The database (``--db``, default exportguard_bench on 127.0.0.1) is dropped and created again.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Iterator

import numpy as np
import psycopg

from masking.server.schema import migrate
from masking.server.search import candidate_exports, trace_at_service
from masking.watermark.membership import fingerprinter, fingerprints, mark_feature
from masking.watermark.store import TraceData
from masking.watermark.trace import Fragment, fragment_lookup

FIELDS = 3  # phone, meter, account tokens per row
PREFIXES = ("138", "139", "150", "151", "186", "187", "135", "136", "158", "159")


def splitmix(x: np.ndarray) -> np.ndarray:
    x = (x + np.uint64(0x9E3779B97F4A7C15)).astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class World:
    """Customers, recipients and the texts and fingerprints trace sees for them."""

    def __init__(self, customers: int, recipients: int, seed: int, watermark_key: bytes) -> None:
        self.customers, self.recipients = customers, recipients
        self.rng = np.random.default_rng(seed)
        self.watermark_key = watermark_key
        self.fp_key = fingerprinter(watermark_key)
        ids = np.arange(customers, dtype=np.uint64)
        phone_tail = splitmix(ids ^ np.uint64(0xABCDEF)) % np.uint64(10**8)
        self.masked_texts = [f"{PREFIXES[int(t % 10)]}****{int(t) % 10000:04d}" for t in phone_tail]
        features = [mark_feature(text) or "" for text in self.masked_texts]
        self.masked_fps = fingerprints(self.fp_key, features)
        self._tokens: dict[int, np.ndarray] = {}

    def token_texts(self, recipient: int, customers: np.ndarray) -> list[list[str]]:
        """The pseudonymized phone (11 digits), meter (22) and account (10) of these customers for this recipient."""
        base = customers.astype(np.uint64) * np.uint64(1_000_003) + np.uint64(recipient) * np.uint64(7_919)
        phone = splitmix(base) % np.uint64(10**8)
        meter = splitmix(base ^ np.uint64(0x1111)) % np.uint64(10**16)
        account = splitmix(base ^ np.uint64(0x2222)) % np.uint64(10**10)
        return [[f"{PREFIXES[int(p % 10)]}{int(p):08d}" for p in phone],
                [f"301234{int(m):016d}" for m in meter],
                [f"{int(a):010d}" for a in account]]

    def tokens(self, recipient: int) -> np.ndarray:
        """(FIELDS, customers) token fingerprints for one recipient, computed once."""
        if recipient not in self._tokens:
            texts = self.token_texts(recipient, np.arange(self.customers))
            self._tokens[recipient] = np.stack([fingerprints(self.fp_key, ["t|" + t for t in column])
                                                for column in texts])
        return self._tokens[recipient]


def export_rows(world: World, sizes: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(recipient, customers) per export: a contiguous-ish slice of the branch, as a district's list is."""
    for size in sizes:
        recipient = int(world.rng.integers(world.recipients))
        start = int(world.rng.integers(world.customers))
        span = min(world.customers, int(size) * 3)
        picked = (start + world.rng.choice(span, int(size), replace=False)) % world.customers
        yield recipient, np.sort(picked)


def trace_blob(world: World, recipient: int, customers: np.ndarray) -> tuple[bytes, np.ndarray]:
    tokens = np.unique(world.tokens(recipient)[:, customers].ravel())
    masked = np.unique(world.masked_fps[customers])
    empty = np.zeros(0, np.uint64)
    data = TraceData(tokens, masked, empty, np.zeros(0, np.uint32), np.zeros(0, np.bool_))
    return data.to_bytes(), np.unique(np.concatenate([tokens, masked])).view(np.int64)


def load(conn: psycopg.Connection, world: World, sizes: np.ndarray, first_id: int,
         layout: list[tuple[int, int, np.ndarray]]) -> dict[str, float]:
    """COPY records, exports and postings for exports of these sizes; returns timings and counts."""
    started = time.perf_counter()
    generated = copied = 0.0
    fingerprints_total = 0
    batch = 2_000
    plan = list(export_rows(world, sizes))
    for at in range(0, len(plan), batch):
        t0 = time.perf_counter()
        records, exports, postings = io.StringIO(), io.StringIO(), io.BytesIO()
        for offset, (recipient, customers) in enumerate(plan[at:at + batch]):
            export = first_id + at + offset
            blob, fps = trace_blob(world, recipient, customers)
            fingerprints_total += len(fps)
            workstation = 1 + export % 50
            records.write(f"{export}\t{workstation}\t{export}\texport\t2026-12-06T00:00:00+00:00\t{{}}\t"
                          f"{'0' * 64}\t{export:064x}\tKBENCH\t-\n")
            exports.write(f"{export}\tEX-20261206-{export:08X}\t{export}\t{workstation}\trecipient-{recipient}\t"
                          f"user-{workstation}\t2026-12-06T00:00:00+00:00\tKBENCH\t{len(fps)}\t\\\\x{blob.hex()}\n")
            postings.write(b"".join(b"%d\t%d\n" % (fp, export) for fp in fps.tolist()))
            if len(layout) < 50_000:
                layout.append((export, recipient, customers))
        t1 = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY records (id, workstation_id, seq, event, time, body, prev_hash, hash, key_id, mac)"
                          " FROM STDIN") as copy:
                copy.write(records.getvalue())
            with cur.copy("COPY exports (id, export_id, record_id, workstation_id, recipient, user_name, time,"
                          " key_id, fingerprints, trace) FROM STDIN") as copy:
                copy.write(exports.getvalue())
            with cur.copy("COPY postings (fp, export) FROM STDIN") as copy:
                copy.write(postings.getvalue())
        t2 = time.perf_counter()
        generated += t1 - t0
        copied += t2 - t1
        print(f"  {at + len(plan[at:at + batch]):,} exports, {fingerprints_total:,} fingerprints, "
              f"generate {generated:.0f} s, COPY {copied:.0f} s", flush=True)
    return {"generate_s": generated, "copy_s": copied, "fingerprints": fingerprints_total,
            "wall_s": time.perf_counter() - started}


def build_index(conn: psycopg.Connection) -> float:
    started = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("CREATE INDEX postings_fp ON postings (fp, export)")
    conn.execute("VACUUM ANALYZE postings")
    conn.execute("ANALYZE exports")
    return time.perf_counter() - started


def fragments(world: World, layout: list[tuple[int, int, np.ndarray]], count: int, *,
              masked_only: bool) -> Iterator[tuple[int, Fragment]]:
    """20-row fragments of random exports (of at least 20 rows): pseudonymized columns, or masked phones only."""
    rng = np.random.default_rng(7)
    for n in rng.choice(len(layout), count, replace=False):
        export, recipient, customers = layout[int(n)]
        rows = np.sort(rng.choice(customers, 20, replace=False))
        if masked_only:
            yield export, Fragment(tuple((world.masked_texts[int(c)],) for c in rows))
        else:
            phones, meters, accounts = world.token_texts(recipient, rows)
            yield export, Fragment(tuple(zip(phones, meters, accounts, strict=True)))


def time_traces(conn: psycopg.Connection, world: World, layout: list[tuple[int, int, np.ndarray]], count: int,
                masked_only: bool) -> dict[str, float]:
    seconds, loaded, named, listed = [], [], 0, 0
    for export, fragment in fragments(world, layout, count, masked_only=masked_only):
        started = time.perf_counter()
        report = trace_at_service(conn, fragment)
        seconds.append(time.perf_counter() - started)
        source = f"EX-20261206-{export:08X}"
        named += report.verdict is not None and report.verdict.export_id == source
        listed += any(c.export_id == source for c in report.candidates)
        loaded.append(len(candidate_exports(conn, fragment_lookup(fragment, world.watermark_key))))
    return {"median_s": statistics.median(seconds), "max_s": max(seconds), "named": named, "listed": listed,
            "traced": count, "loaded_median": statistics.median(loaded)}


def sizes_report(conn: psycopg.Connection) -> dict[str, int]:
    out = {}
    for table in ("postings", "exports", "records"):
        row = conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()
        out[table] = int(row[0]) if row else 0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/exportguard_bench")
    parser.add_argument("--large", type=int, default=10_000, help="exports of 200-5,000 rows (stage 1)")
    parser.add_argument("--small", type=int, default=100_000, help="exports of ~200 rows (stage 2)")
    parser.add_argument("--customers", type=int, default=300_000, help="the branch's customers")
    parser.add_argument("--recipients", type=int, default=30)
    parser.add_argument("--fragments", type=int, default=5, help="token fragments traced per stage")
    parser.add_argument("--masked-fragments", type=int, default=2, help="masked-only fragments traced per stage")
    args = parser.parse_args()
    admin_url, name = args.db.rsplit("/", 1)
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    watermark_key = os.urandom(32)
    world = World(args.customers, args.recipients, 11, watermark_key)
    with psycopg.connect(args.db, autocommit=True) as conn:
        migrate(conn)
        conn.execute("DROP INDEX postings_fp")
        conn.execute("ALTER TABLE exports DROP CONSTRAINT exports_record_id_fkey")
        conn.execute("ALTER TABLE exports DROP CONSTRAINT exports_workstation_id_fkey")
        conn.execute("ALTER TABLE records DROP CONSTRAINT records_workstation_id_fkey")
        conn.execute("INSERT INTO trace_keys (key_id, watermark_key) VALUES ('KBENCH', %s)", (watermark_key,))
        conn.execute("INSERT INTO workstations (name, public_key, ledger, host, user_name)"
                     " SELECT 'ws-' || g, decode(lpad(to_hex(g), 64, '0'), 'hex'), 'l' || g, 'h', 'u'"
                     " FROM generate_series(1, 50) g")
        layout: list[tuple[int, int, np.ndarray]] = []
        rng = world.rng
        t0 = time.perf_counter()
        print(f"world: {args.customers:,} customers x {args.recipients} recipients", flush=True)
        for recipient in range(args.recipients):
            world.tokens(recipient)
        print(f"  token fingerprints computed in {time.perf_counter() - t0:.0f} s", flush=True)
        results = {}
        for stage, count, low, high in (("large", args.large, 200, 5000), ("small", args.small, 150, 250)):
            if not count:
                continue
            print(f"stage {stage}: {count:,} exports of {low}-{high} rows", flush=True)
            if stage == "small":
                conn.execute("DROP INDEX postings_fp")
            loaded = load(conn, world, rng.integers(low, high + 1, count), 1 + sum(
                r["exports"] for r in results.values()), layout)
            index_s = build_index(conn)
            held = conn.execute("SELECT count(*), sum(fingerprints) FROM exports").fetchone()
            tokens = time_traces(conn, world, layout, args.fragments, masked_only=False)
            masked = time_traces(conn, world, layout, args.masked_fragments, masked_only=True)
            results[stage] = {"exports": count, **loaded, "index_s": index_s, "held": held,
                              "sizes": sizes_report(conn), "tokens": tokens, "masked": masked}
            print(f"  held {held[0]:,} exports, {held[1]:,} fingerprints; load {loaded['wall_s']:.0f} s "
                  f"(COPY {loaded['copy_s']:.0f} s), index {index_s:.0f} s", flush=True)
            print(f"  sizes: {results[stage]['sizes']}", flush=True)
            for case, got in (("token", tokens), ("masked-only", masked)):
                print(f"  20-row {case} fragment: median {got['median_s']:.3f} s, max {got['max_s']:.3f} s; "
                      f"exports loaded from the index (median) {got['loaded_median']:,.0f}; source named "
                      f"{got['named']}/{got['traced']}, listed {got['listed']}/{got['traced']}", flush=True)


if __name__ == "__main__":
    main()
