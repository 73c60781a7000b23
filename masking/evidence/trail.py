"""The office's audit trail read back by an auditor's or investigator's app (``GET /v1/records``):
every workstation's records as :class:`LedgerEntry` values named by the workstation's name at the
office, and the records the service stored flagged, as problems an admin has not yet resolved; a page
at a time, newest first (``older`` reads the next older page)."""

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
    older: int | None = None  # the cursor of the next older page; None: these reach the oldest record
    query: tuple[tuple[str, str], ...] = ()  # what narrowed it (event, employee, workstation)

    def followed_by(self, page: OfficeTrail) -> OfficeTrail:
        """These records and the next older ``page`` of the same trail, as one."""
        return OfficeTrail(self.url, self.entries + page.entries, self.problems + page.problems, page.older,
                           self.query)


def office_trail(access: ServiceAccess, *, event: str | None = None, employee: str | None = None,
                 workstation: str | None = None, limit: int = TRAIL_LIMIT, before: int | None = None) -> OfficeTrail:
    """The newest ``limit`` records (received before the cursor ``before``, from an earlier page's ``older``)."""
    narrowed = tuple((k, v) for k, v in (("event", event), ("employee", employee), ("workstation", workstation))
                     if v)
    query = urllib.parse.urlencode([*narrowed, ("limit", str(limit)),
                                    *((("before", str(before)),) if before is not None else ())])
    answer = access.request("GET", f"/v1/records?{query}", timeout=60)
    raw, older = answer.get("entries"), answer.get("older")
    if not isinstance(raw, list) or not (older is None or (isinstance(older, int) and not isinstance(older, bool))):
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
    return OfficeTrail(access.url, tuple(entries), tuple(problems), older, narrowed)


def older_page(access: ServiceAccess, shown: OfficeTrail, *, limit: int = TRAIL_LIMIT) -> OfficeTrail:
    """``shown`` followed by the next older page of the same trail (``shown.older`` must be set)."""
    if shown.older is None:
        return shown
    page = office_trail(access, **dict(shown.query), limit=limit, before=shown.older)
    return shown.followed_by(page)

