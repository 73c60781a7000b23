"""Running the service: uvicorn on the given address, with TLS when a certificate is given."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from masking.errors import UsageError
from masking.server.app import create_app


def serve(db_url: str, host: str, port: int, *, tls_cert: Path | None = None, tls_key: Path | None = None) -> None:
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise UsageError(f"{path}: no such file")
    uvicorn.run(create_app(db_url), host=host, port=port, log_level="info", access_log=True,
                ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)
