"""The kinds of operation the audit ledger records, and the records of the ones beyond an export.

:class:`Event` is the one list of event kinds: the ledger accepts only these, ``audit list --event``
offers them and the desktop names each one. The export, decrypt, approval, key and import records
are written by the modules that do that work; the records of attempts that did not end in an export
(a refusal with the rules that refused it, a cancellation) and of an investigator's work (a trace, a
saved report) are the frozen records below. Each carries the operating-system user as ``user``, so
the trail can be read per employee. None holds a cell value: names, counts, hashes and rule texts.

To add a kind: a member here, a record type beside the others (with ``EVENT``), and its label in
``desktop/wording.py`` (a test checks that every kind has one).
"""

from __future__ import annotations

import dataclasses
import getpass
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from masking.violations import Violation

if TYPE_CHECKING:
    from masking.ledger import Ledger, LedgerEntry


class Event(StrEnum):
    EXPORT = "export"
    BLOCKED = "blocked"  # an export the policy refused, with the rules that refused it
    CANCELLED = "cancelled"  # an export stopped by the user before it was complete
    DECRYPT = "decrypt"
    APPROVAL = "approval"
    KEY = "key"  # keys created, rotated, re-protected, exported or imported
    POLICY = "policy"  # a policy signed by the office, or installed on a workstation
    OFFICE = "office"  # the security office's own keys created, rolled, backed up or restored
    IMPORT = "import"
    TRACE = "trace"  # a leaked file or pasted rows traced
    REPORT = "report"  # a trace report saved


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a service account without a passwd entry)
        return ""


def current_machine() -> str:
    return socket.gethostname()


@dataclass(frozen=True)
class EventRecord:
    """Base of the records below: ``to_dict`` is what the ledger stores, ``from_dict`` reads it back."""

    EVENT: ClassVar[Event]
    user: str = field(default_factory=current_user, kw_only=True)
    machine: str = field(default_factory=current_machine, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {name: tuple(value) if isinstance(value, list) else value
                                  for name, value in data.items() if name in known}
        return cls(**values)

    def append_to(self, ledger: Ledger) -> LedgerEntry:
        return ledger.append(self.EVENT, self.to_dict())


@dataclass(frozen=True)
class ExportAttempt(EventRecord):
    """What an export was about to do (shared by refusals and cancellations)."""

    input_name: str
    recipient: str
    purpose: str
    format: str
    rows: int  # rows the plan would export


@dataclass(frozen=True)
class BlockedExport(ExportAttempt):
    EVENT: ClassVar[Event] = Event.BLOCKED
    violations: tuple[Violation, ...] = ()  # the rules that refused it, as codes with their values
    message: str = ""  # the refusal's one line, in English

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "violations": [v.to_dict() for v in self.violations]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        record = super().from_dict({**data, "violations": []})
        violations = tuple(Violation.from_dict(v) for v in data.get("violations", ()))
        return dataclasses.replace(record, violations=violations)


@dataclass(frozen=True)
class CancelledExport(ExportAttempt):
    EVENT: ClassVar[Event] = Event.CANCELLED
    rows_done: int = 0  # rows written before the cancel (the partial output was removed)


@dataclass(frozen=True)
class TraceRun(EventRecord):
    EVENT: ClassVar[Event] = Event.TRACE
    leaked_name: str  # the file's name, or "" for pasted rows
    leaked_sha256: str
    rows: int
    exports_tested: int
    named: tuple[str, ...] = ()  # the export ids trace named, most likely first
    p_value: float | None = None  # the first named export's false-attribution bound


@dataclass(frozen=True)
class ReportSaved(EventRecord):
    EVENT: ClassVar[Event] = Event.REPORT
    report_name: str
    report_sha256: str
    format: str  # pdf or html
    investigator: str
    leaked_sha256: str
    named: tuple[str, ...] = ()


class KeyAction(StrEnum):
    INIT = "init"
    ROTATE = "rotate"
    NEW_PASSPHRASE = "passwd"  # noqa: S105 (the name of the command that does it, not a password)
    EXPORT_BUNDLE = "export-bundle"
    IMPORT_BUNDLE = "import-bundle"


@dataclass(frozen=True)
class KeyChange(EventRecord):
    """Keys created, rotated, re-protected, exported or imported: ids and counts, never key material."""

    EVENT: ClassVar[Event] = Event.KEY
    action: str  # a KeyAction
    key_id: str = ""  # the active key after the change
    keys: int = 0  # keys in the keystore (or written to the bundle)
    protected: bool | None = None  # whether a passphrase protects the keystore, when the change sets it
    office_id: str | None = None  # the security office whose public keys a bundle carried (managed homes)


class PolicyAction(StrEnum):
    SIGN = "sign"  # the office signed a policy for its workstations (``policy sign``)
    INSTALL = "install"  # a managed workstation installed a signed policy (``policy install``)


@dataclass(frozen=True)
class PolicyChange(EventRecord):
    """A policy signed (at the office) or installed (on a managed workstation): what it is and who signed it."""

    EVENT: ClassVar[Event] = Event.POLICY
    version: str
    origin: str  # "signed"
    sha256: str
    signer: str | None
    office_id: str  # the office that signed it; on a workstation, the one managing it after the install
    action: str = PolicyAction.INSTALL  # a PolicyAction (records made before it was named are installs)


class OfficeAction(StrEnum):
    INIT = "init"
    ROLL = "roll"
    BACKUP = "backup"  # the decryption key split into custodians' shares
    RESTORE = "restore"  # the decryption key restored from shares


@dataclass(frozen=True)
class OfficeChange(EventRecord):
    """The security office's keys created, rolled, backed up or restored (``office ...``): public ids and
    counts, never a key or a share."""

    EVENT: ClassVar[Event] = Event.OFFICE
    action: str  # an OfficeAction
    office_id: str = ""  # the signing key's id after the change ("" when not read: a restore)
    name: str = ""
    rolls: int = 0
    shares: int | None = None  # a backup: shares written, and how many restore the key
    threshold: int | None = None


RECORD_TYPES: Mapping[Event, type[EventRecord]] = {
    record.EVENT: record for record in (BlockedExport, CancelledExport, TraceRun, ReportSaved, KeyChange,
                                        PolicyChange, OfficeChange)
}
