"""The evidence service's HTTP interface (Starlette; run by uvicorn, see :mod:`masking.server.serve`).

``POST /v1/enroll``   a workstation joins with a one-time code (signed by its new identity key)
``POST /v1/records``  signed ledger records and trace data (refused: altered, unknown key, replayed)
``POST /v1/trace``    a fragment's rows, traced across every workstation (investigator or admin token);
                      the answer is the local trace's JSON with each candidate's ledger record (``records``)
``POST /v1/reports``  an investigator's report on such a trace (its SHA-256, kept with the queries)
``GET  /v1/records``  the records held, newest first, read-only (auditor, investigator or admin token);
                      ``?workstation=&event=&employee=&limit=`` narrow it (at most 10,000 records a page);
                      the answer's ``older`` is the cursor for the next older page (``?before=``)
``GET  /v1/sealed``   ``?export_id=`` or ``?sha256=`` (a file the export wrote): the originals the export
                      sealed to the office, with its ledger record (investigator or admin token; 404 when
                      none is held), for ``decrypt --office DIR --server URL``
``GET  /v1/health``   the schema version

Database work runs in Starlette's thread pool over a psycopg connection pool. Every token-bearing
query is itself recorded in ``queries`` (what was asked, never the fragment's cells).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from psycopg_pool import ConnectionPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from masking.errors import ExportGuardError, KeyProblem
from masking.events import ReportSaved
from masking.evidence.envelope import SIGNATURE_HEADER, EnvelopeError
from masking.server.admin import Caller, authorise, record_query
from masking.server.ingest import announce_export, consume_approval, enroll, ingest_records
from masking.server.restore import sealed_export
from masking.server.search import export_entries, trace_at_service
from masking.server.trail import trail
from masking.watermark.trace import Fragment

MAX_BODY = 256 * 1024 * 1024  # a batch of 200 records with trace data of 5,000-row exports fits easily
MAX_FRAGMENT_ROWS = 100_000
READERS = ("auditor", "investigator", "admin")
MAX_TRAIL = 10_000


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def create_app(db_url: str, *, pool_size: int = 8) -> Starlette:  # noqa: PLR0915 (the routes share the pool)
    pool = ConnectionPool(db_url, min_size=1, max_size=pool_size, kwargs={"autocommit": True}, open=False)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            pool.close()

    def with_conn(work: Callable[..., Any], *args: Any) -> Any:
        with pool.connection() as conn:
            return work(conn, *args)

    async def body_of(request: Request) -> bytes:
        body = await request.body()
        if len(body) > MAX_BODY:
            raise EnvelopeError("the message is too large")
        return body

    async def guarded(work: Callable[[], Any]) -> JSONResponse:
        try:
            return JSONResponse(await work())
        except EnvelopeError as error:  # a replay, a used approval code, a refused policy: 409 with details
            return _error(error.status, str(error), **error.details())
        except KeyProblem as error:
            return _error(403, str(error))
        except ExportGuardError as error:
            return _error(400, str(error).splitlines()[0])

    def token_of(request: Request) -> str:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise KeyProblem("a token is needed (Authorization: Bearer ...)")
        return header[7:].strip()

    async def health(request: Request) -> JSONResponse:
        def work(conn: Any) -> dict[str, Any]:
            row = conn.execute("SELECT value FROM eg_meta WHERE name = 'schema_version'").fetchone()
            return {"ok": True, "schema_version": int(row[0]) if row else 0}
        return await guarded(lambda: run_in_threadpool(with_conn, work))

    async def signed(request: Request, handler: Callable[..., Any]) -> Any:
        """``handler(conn, body, signature)`` on a workstation's signed request (its body and signature header)."""
        body = await body_of(request)
        return await run_in_threadpool(with_conn, handler, body, request.headers.get(SIGNATURE_HEADER, ""))

    async def enroll_route(request: Request) -> JSONResponse:
        async def work() -> dict[str, Any]:
            done = await signed(request, enroll)
            return {"workstation_id": done.workstation_id, "name": done.name}
        return await guarded(work)

    async def records_route(request: Request) -> JSONResponse:
        async def work() -> dict[str, Any]:
            return (await signed(request, ingest_records)).as_dict()  # type: ignore[no-any-return]
        return await guarded(work)

    async def consume_route(request: Request) -> JSONResponse:
        return await guarded(lambda: signed(request, consume_approval))

    async def announce_route(request: Request) -> JSONResponse:
        return await guarded(lambda: signed(request, announce_export))

    async def trace_route(request: Request) -> JSONResponse:
        async def work() -> dict[str, Any]:
            token = token_of(request)
            body = await body_of(request)
            fragment = _fragment(body)

            def traced(conn: Any) -> dict[str, Any]:
                caller = authorise(conn, token, ("investigator", "admin"))
                report = trace_at_service(conn, fragment)
                verdict = report.verdict.export_id if report.verdict else None
                record_query(conn, caller, "trace", json.dumps(
                    {"rows": len(fragment.rows), "verdict": verdict,
                     "candidates": [c.export_id for c in report.candidates]}))
                return {**report.as_dict(),
                        "records": export_entries(conn, [c.export_id for c in report.candidates])}
            return await run_in_threadpool(with_conn, traced)
        return await guarded(work)

    async def report_route(request: Request) -> JSONResponse:
        """An investigator filed a report on a trace made here: its SHA-256 is kept with the queries."""
        async def work() -> dict[str, Any]:
            token = token_of(request)
            saved = _report_record(await body_of(request))

            def recorded(conn: Any) -> dict[str, Any]:
                caller = authorise(conn, token, ("investigator", "admin"))
                record_query(conn, caller, "report", json.dumps(saved, ensure_ascii=False, sort_keys=True))
                return {"recorded": True}
            return await run_in_threadpool(with_conn, recorded)
        return await guarded(work)

    async def list_records(request: Request) -> JSONResponse:
        async def work() -> dict[str, Any]:
            token = token_of(request)
            asked = _trail_query(request)

            def listed(conn: Any) -> dict[str, Any]:
                caller: Caller = authorise(conn, token, READERS)
                record_query(conn, caller, "list records", json.dumps(asked, ensure_ascii=False))
                return trail(conn, **asked)
            return await run_in_threadpool(with_conn, listed)
        return await guarded(work)

    async def sealed_route(request: Request) -> JSONResponse:
        """The sealed originals of one export, for the office to open with its decryption key."""
        asked = {"export_id": request.query_params.get("export_id") or None,
                 "sha256": request.query_params.get("sha256") or None}

        def fetched(conn: Any, token: str) -> dict[str, Any] | None:
            caller = authorise(conn, token, ("investigator", "admin"))
            found = sealed_export(conn, **asked)
            record_query(conn, caller, "restore", json.dumps({**asked, "found": found is not None}))
            return found
        try:
            found = await run_in_threadpool(with_conn, fetched, token_of(request))
        except KeyProblem as error:
            return _error(403, str(error))
        if found is None:
            return _error(404, "the service holds no sealed originals of that export")
        return JSONResponse(found)

    return Starlette(routes=[
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/enroll", enroll_route, methods=["POST"]),
        Route("/v1/records", records_route, methods=["POST"]),
        Route("/v1/approvals/consume", consume_route, methods=["POST"]),
        Route("/v1/exports/announce", announce_route, methods=["POST"]),
        Route("/v1/records", list_records, methods=["GET"]),
        Route("/v1/trace", trace_route, methods=["POST"]),
        Route("/v1/reports", report_route, methods=["POST"]),
        Route("/v1/sealed", sealed_route, methods=["GET"]),
    ], lifespan=lifespan)


def _trail_query(request: Request) -> dict[str, Any]:
    params = request.query_params
    try:
        limit = int(params.get("limit") or MAX_TRAIL)
    except ValueError:
        raise EnvelopeError("limit is a number") from None
    if not 1 <= limit <= MAX_TRAIL:
        raise EnvelopeError(f"limit is 1 to {MAX_TRAIL}")
    try:
        before = int(params["before"]) if params.get("before") else None
    except ValueError:
        raise EnvelopeError("before is a cursor from an earlier page (a number)") from None
    return {"workstation": params.get("workstation") or None, "event": params.get("event") or None,
            "employee": params.get("employee") or None, "limit": limit, "before": before}


def _report_record(body: bytes) -> dict[str, Any]:
    """A ``ReportSaved`` record as the investigator's app sent it (names, hashes and export ids only)."""
    try:
        record = ReportSaved.from_dict(json.loads(body))
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        raise EnvelopeError("a report record carries the ReportSaved fields") from None
    return record.to_dict()


def _fragment(body: bytes) -> Fragment:
    try:
        message = json.loads(body)
        rows = tuple(tuple(str(cell) for cell in row) for row in message["rows"])
        properties = {str(k): str(v) for k, v in dict(message.get("properties") or {}).items()}
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise EnvelopeError("a trace request carries {\"rows\": [[cell, ...], ...]}") from None
    if len(rows) > MAX_FRAGMENT_ROWS:
        raise EnvelopeError(f"a fragment has at most {MAX_FRAGMENT_ROWS} rows")
    return Fragment(rows, properties)
