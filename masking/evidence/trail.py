"""The office's audit trail read back by an auditor's or investigator's app (``GET /v1/records``):
every workstation's records as :class:`LedgerEntry` values named by the workstation's name at the
office, and the records the service stored flagged, as problems an admin has not yet resolved."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from masking.errors import IntegrityProblem
from masking.evidence.client import ServiceAccess
from masking.ledger import LedgerEntry, LedgerProblem

TRAIL_LIMIT = 10_000


@dataclass(frozen=True)
class OfficeTrail:
    url: str
    entries: tuple[LedgerEntry, ...]  # newest first; ``workstation`` is the office's name for it
    problems: tuple[LedgerProblem, ...]  # records stored flagged that no admin has resolved


def office_trail(access: ServiceAccess, *, event: str | None = None, employee: str | None = None,
                 limit: int = TRAIL_LIMIT) -> OfficeTrail:
    query = urllib.parse.urlencode({k: v for k, v in (("event", event), ("employee", employee),
                                                       ("limit", str(limit))) if v})
    answer = access.request("GET", f"/v1/records?{query}", timeout=60)
    raw = answer.get("entries")
    if not isinstance(raw, list):
        raise IntegrityProblem("the service's answer is not an audit trail")
    entries: list[LedgerEntry] = []
    problems: list[LedgerProblem] = []
    for item in raw:
        try:
            entry = LedgerEntry.from_json(item)  # ``workstation``: the office's name for it
        except (KeyError, TypeError, ValueError):
            raise IntegrityProblem("the service's answer is not an audit trail") from None
        entries.append(entry)
        if item.get("flag") and not item.get("resolved"):
            problems.append(LedgerProblem(entry.workstation, entry.seq, str(item["flag"])))
    return OfficeTrail(access.url, tuple(entries), tuple(problems))

