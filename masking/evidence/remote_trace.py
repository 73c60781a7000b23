"""Trace a leaked fragment at the office's service: the fragment is read here, its rows go to the
service with an investigator's token, and the answer is the local trace's JSON plus each candidate's
workstation and user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from masking.errors import IntegrityProblem
from masking.evidence.client import ServiceClient
from masking.watermark.trace import read_fragment

TOKEN_ENV = "EXPORTGUARD_SERVER_TOKEN"  # noqa: S105 (the name of a variable, not a secret)


def trace_at_server(source: Path | str, url: str, token: str, *, ca_file: str | None = None) -> dict[str, Any]:
    fragment = read_fragment(source)
    body = json.dumps({"rows": [list(row) for row in fragment.rows], "properties": fragment.properties},
                      ensure_ascii=False).encode()
    answer = ServiceClient(url, ca_file=ca_file, timeout=120).request(
        "POST", "/v1/trace", body, {"Authorization": f"Bearer {token.strip()}"})
    if "candidates" not in answer or "verdict" not in answer:
        raise IntegrityProblem("the service's answer is not a trace report")
    return answer
