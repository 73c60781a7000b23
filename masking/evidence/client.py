"""HTTP to the evidence service with the standard library (``urllib``), so a workstation needs no
third-party HTTP stack: it sends a few JSON requests per export, and urllib verifies TLS with the
system's trust store (or a CA file the office gives at enrollment). ``urllib`` and ``ssl`` are
imported when a client is made (~60 ms that every export would pay at start-up, with or without a
service)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from masking.errors import ExportGuardError, IntegrityProblem, KeyProblem, ServiceUnreachable, UsageError

DEFAULT_TIMEOUT = 15.0
TOKEN_ENV = "EXPORTGUARD_SERVER_TOKEN"  # noqa: S105 (the name of a variable, not a secret)


def normalise_url(url: str) -> str:
    """The service's base URL, checked once where it enters."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise UsageError(f"{url!r} is not a service address (http://HOST:PORT or https://HOST:PORT)")
    return url


class ServiceClient:
    def __init__(self, url: str, *, ca_file: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        import ssl

        self.url = normalise_url(url)
        self._timeout = timeout
        self._context = ssl.create_default_context(cafile=ca_file) if self.url.startswith("https://") else None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One JSON request. Unreachable, timed out or a server failure: :class:`ServiceUnreachable`;
        refused credentials: :class:`KeyProblem`; a refused message: :class:`IntegrityProblem`."""
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.url + path, data=body, method=method,  # noqa: S310 (the scheme is checked in normalise_url)
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=self._context) as response:  # noqa: S310 (as above)
                return _json(response.read())
        except urllib.error.HTTPError as error:
            raise _refusal(error.code, _json(error.read()), self.url) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise ServiceUnreachable(f"the security office's service at {self.url} could not be reached ({reason})"
                                     ) from None


@dataclass(frozen=True)
class ServiceAccess:
    """Where the office's service is, and an investigator's or auditor's token for it (never printed)."""

    url: str
    token: str = field(repr=False)
    ca_file: str | None = None

    @classmethod
    def of(cls, url: str, token: str, ca_file: str | None = None) -> ServiceAccess:
        return cls(normalise_url(url), token.strip(), ca_file or None)

    def request(self, method: str, path: str, body: bytes | None = None, *,
                timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        return ServiceClient(self.url, ca_file=self.ca_file, timeout=timeout).request(
            method, path, body, {"Authorization": f"Bearer {self.token}"})


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class Refused(IntegrityProblem):
    """The service refused a message; ``answer`` is its JSON reply."""

    def __init__(self, message: str, status: int, answer: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.answer = answer


def _refusal(status: int, answer: dict[str, Any], url: str) -> ExportGuardError:
    reason = str(answer.get("error") or f"HTTP {status}")
    if status >= 500:
        return ServiceUnreachable(f"the security office's service at {url} failed ({reason})")
    if status in (401, 403):
        return KeyProblem(f"the security office's service refused: {reason}")
    return Refused(f"the security office's service refused: {reason}", status, answer)
