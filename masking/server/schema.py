"""The evidence database's schema, created and upgraded by the program (``server init``).

Each step of :data:`MIGRATIONS` runs once, in order, in its own transaction; ``eg_meta`` remembers
the version reached. Ledger records are stored as the canonical JSON text their hash covers, so
they verify again years later; the service stamps ``received`` with its own clock.
"""

from __future__ import annotations

from typing import Any

import psycopg

from masking.server.postings import index_held_profiles

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE eg_meta (name text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE workstations (
        id serial PRIMARY KEY,
        name text NOT NULL,
        public_key bytea NOT NULL UNIQUE,
        ledger text NOT NULL,
        host text NOT NULL,
        user_name text NOT NULL,
        enrolled timestamptz NOT NULL DEFAULT now(),
        revoked timestamptz,
        last_seen timestamptz,
        head_seq bigint NOT NULL DEFAULT 0,
        head_hash text NOT NULL DEFAULT repeat('0', 64),
        restart_resolved timestamptz
    );
    CREATE INDEX workstations_name ON workstations (name);
    CREATE TABLE enroll_codes (
        code_hash bytea PRIMARY KEY,
        workstation text NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        expires timestamptz NOT NULL,
        used timestamptz,
        used_by int REFERENCES workstations
    );
    CREATE TABLE tokens (
        id serial PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'investigator', 'auditor')),
        label text NOT NULL DEFAULT '',
        created timestamptz NOT NULL DEFAULT now(),
        expires timestamptz NOT NULL,
        revoked timestamptz
    );
    CREATE TABLE records (
        id bigserial PRIMARY KEY,
        workstation_id int NOT NULL REFERENCES workstations,
        seq bigint NOT NULL,
        event text NOT NULL,
        time text NOT NULL,
        body text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        key_id text NOT NULL,
        mac text NOT NULL,
        received timestamptz NOT NULL DEFAULT now(),
        flag text,
        resolved timestamptz,
        UNIQUE (workstation_id, seq, hash)
    );
    CREATE INDEX records_flagged ON records (workstation_id) WHERE flag IS NOT NULL AND resolved IS NULL;
    CREATE TABLE exports (
        id serial PRIMARY KEY,
        export_id text NOT NULL,
        record_id bigint NOT NULL REFERENCES records,
        workstation_id int NOT NULL REFERENCES workstations,
        recipient text NOT NULL,
        user_name text NOT NULL,
        time text NOT NULL,
        key_id text NOT NULL,
        fingerprints int NOT NULL,
        canaries int NOT NULL DEFAULT 0,
        trace bytea NOT NULL
    );
    CREATE INDEX exports_export_id ON exports (export_id);
    CREATE TABLE postings (fp bigint NOT NULL, export int NOT NULL);
    CREATE INDEX postings_fp ON postings (fp, export);
    CREATE TABLE canary_postings (fp bigint NOT NULL, export int NOT NULL);
    CREATE INDEX canary_postings_fp ON canary_postings (fp, export);
    CREATE TABLE trace_keys (key_id text PRIMARY KEY, watermark_key bytea NOT NULL,
                             added timestamptz NOT NULL DEFAULT now());
    CREATE TABLE queries (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        token_id int REFERENCES tokens,
        role text NOT NULL,
        action text NOT NULL,
        detail text NOT NULL
    );
    """,
    # single-use approval codes (issue 12): each code's first export, consumed before its output is
    # committed when the workstation reaches the service, or recorded when the export's record arrives
    """
    CREATE TABLE approvals_used (
        code_id text PRIMARY KEY,
        workstation_id int NOT NULL REFERENCES workstations,
        export_id text NOT NULL,
        used timestamptz NOT NULL DEFAULT now()
    );
    """,
    # the policies the office signed (``server policy``): once any is registered, an export record made
    # under another policy is refused (kept in ``refused_records`` for an admin), one naming no policy
    # hash is stored flagged
    """
    CREATE TABLE policies (
        sha256 text PRIMARY KEY,
        version text NOT NULL,
        signer text NOT NULL,
        added timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE refused_records (
        id bigserial PRIMARY KEY,
        workstation_id int NOT NULL REFERENCES workstations,
        seq bigint NOT NULL,
        hash text NOT NULL,
        event text NOT NULL,
        body text NOT NULL,
        reason text NOT NULL,
        received timestamptz NOT NULL DEFAULT now(),
        resolved timestamptz,
        UNIQUE (workstation_id, seq, hash)
    );
    """,
    # the originals a managed workstation's export sealed to the office's decryption key (issue 12's blob,
    # which the service cannot open): the office restores from here once the workstation's home is gone.
    # ``outputs`` holds the SHA-256 of every file the export wrote, so a csv (no export id inside) is found
    """
    CREATE TABLE sealed (
        record_id bigint PRIMARY KEY REFERENCES records,
        export_id text NOT NULL,
        outputs text[] NOT NULL,
        sha256 text NOT NULL,
        blob bytea NOT NULL
    );
    CREATE INDEX sealed_export_id ON sealed (export_id);
    CREATE INDEX sealed_outputs ON sealed USING gin (outputs);
    """,
    # exports announced by their workstation before the output was committed (insider review, row 17): one
    # whose record never arrives (the home put back, the queue deleted) is a ``server check`` problem
    """
    CREATE TABLE exports_announced (
        export_id text PRIMARY KEY,
        workstation_id int NOT NULL REFERENCES workstations,
        announced timestamptz NOT NULL DEFAULT now()
    );
    """,
    # canary profiles and reading marks in the inverted index (issue 18 at the service): the exports whose
    # canaries an informed leaker's fragment can match are found, not only those it shares tokens with
    """
    CREATE TABLE profile_postings (fp bigint NOT NULL, export int NOT NULL, canary int NOT NULL);
    CREATE INDEX profile_postings_fp ON profile_postings (fp, export, canary);
    """,
)
PROFILE_POSTINGS = len(MIGRATIONS)  # the version that made profile_postings: the exports held then are indexed

SETTINGS = {"silent_hours": "168", "retention_days": "3650"}


def migrate(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    """Bring the schema to the newest version; return (version before, version after)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7311)")  # two `server init` at once run one after the other
        exists = conn.execute("SELECT to_regclass('eg_meta') IS NOT NULL").fetchone()
        before = 0
        if exists and exists[0]:
            row = conn.execute("SELECT value FROM eg_meta WHERE name = 'schema_version'").fetchone()
            before = int(row[0]) if row else 0
        for version, step in enumerate(MIGRATIONS[before:], before + 1):
            conn.execute(step.encode())
            conn.execute("INSERT INTO eg_meta (name, value) VALUES ('schema_version', %s)"
                         " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(version),))
            if version == PROFILE_POSTINGS:
                index_held_profiles(conn)
        for name, value in SETTINGS.items():
            conn.execute("INSERT INTO eg_meta (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                         (name, value))
    return before, len(MIGRATIONS)


def setting(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT value FROM eg_meta WHERE name = %s", (name,)).fetchone()
    return str(row[0]) if row else SETTINGS[name]


def set_setting(conn: psycopg.Connection[Any], name: str, value: str) -> None:
    conn.execute("INSERT INTO eg_meta (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = %s",
                 (name, value, value))
