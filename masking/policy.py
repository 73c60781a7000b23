"""The organisation's export policy: what may leave, how, and with which safeguards.

A policy is one TOML file (the built-in default is ``masking/data/default_policy.toml``, read through
``importlib.resources`` so it works wherever the package is installed; an
organisation's policy sits in the home folder as ``policy.toml`` or is named with ``--policy``).
It is read and validated once, whole, into a frozen :class:`Policy`; a bad policy file is a one-line
``UsageError`` that names the key at fault.

Where the policy comes from depends on the home folder (:func:`load_policy`). An unmanaged home (no
office keys pinned) runs ``--policy``, else its ``policy.toml``, else the built-in default, and every
record says the policy was local and unsigned. A managed home runs only a policy the security office
signed (``--policy SIGNED`` or the one installed with ``policy install``), else the built-in default;
a plain or edited policy is refused (exit 4) before anything is read or written.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from masking.errors import PolicyError, UsageError
from masking.grading import DEFAULT_LEVELS, GradeRule, parse_count, parse_grading
from masking.kinds import Action, Kind
from masking.office import OfficeKeys, read_pin
from masking.policy_signing import INSTALLED_FILE, policy_sha256, read_signed, verify_signed
from masking.recipient import Recipient
from masking.violations import violation
from masking.watermark.pool import pool_blocks

DEFAULT_POLICY: Traversable = resources.files("masking").joinpath("data", "default_policy.toml")
POLICY_FILE = "policy.toml"
WATERMARK_LAYERS = frozenset({"visible", "metadata", "tokens", "marks", "canaries", "membership"})

# "export": tokens name the export, not only the recipient (off by default: a recipient who receives
# successive lists can then no longer join them by their pseudonyms, which the purpose may need)
Scope = Literal["recipient", "organisation", "export"]
Origin = Literal["built-in", "local", "signed"]


@dataclass(frozen=True)
class KindRule:
    default: Action
    allowed: frozenset[Action]


Unlisted = Literal["refuse", "approval"]


def _fold(text: str) -> str:
    """How a typed recipient or purpose is compared with the policy's list: NFKC, case and spaces folded."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class RecipientRule:
    """A recipient the office allows, by its canonical name, and the other names people type for it."""

    name: str
    aliases: tuple[str, ...] = ()

    def matches(self, folded: str) -> bool:
        return folded == _fold(self.name) or any(folded == _fold(alias) for alias in self.aliases)


FoundPii = Literal["stop", "protect"]
FOUND_PII_MODES: tuple[FoundPii, ...] = ("stop", "protect")


@dataclass(frozen=True)
class Policy:
    """A validated export policy."""

    version: str
    kinds: Mapping[Kind, KindRule]
    require_recipient: bool = True
    require_purpose: bool = True
    approval_threshold: int | None = None  # rows above which an approval code is needed
    require_password: bool = False
    mandatory_layers: frozenset[str] = frozenset()  # as in the built-in default policy
    pseudonym_scope: Scope = "recipient"
    approval_keys: tuple[str, ...] = ()  # hex Ed25519 public keys of the security office
    canary_rate: float = 0.015  # share of fictitious canary rows per export (at least 2); 0 turns them off
    canary_phones: tuple[str, ...] = ()  # monitored numbers (or blocks, "1701234xxxx") canary rows use
    canary_pool_slices: int = 1  # the monitored numbers split into this many slices, one per workstation
    # low-impact reading columns (by header) moved by a keyed +-1 in every real row (off when empty):
    # masking.watermark.reading_marks
    mark_readings: tuple[str, ...] = ()
    canary_emails: tuple[str, ...] = ()  # monitored addresses canary rows may use
    # Layers an export that lets identifiers leave in clear must carry; refused if none can be placed.
    clear_export_layers: frozenset[str] = frozenset({"canaries", "marks"})
    min_k: int | None = None  # the smallest equivalence class an output may have (masking.risk); None: any
    # What the export does with personal data its own pass finds in a column it keeps (masking.leak_check):
    # "stop" writes nothing (exit 4); "protect" protects the found cells by their kind's default and reports.
    found_pii: FoundPii = "stop"
    max_suppressed: float = 0.05  # share of a sheet's rows --generalize-to-k may leave out
    levels: Mapping[Kind, int] = field(default_factory=lambda: DEFAULT_LEVELS)  # masking.grading
    grade_rules: Mapping[int, GradeRule] = field(default_factory=dict)
    # [reporting]: how much an enrolled workstation may keep from the office's service before exports stop
    max_unsynced_exports: int | None = None
    max_unsynced_hours: float | None = None
    # false: an enrolled workstation exports only while the service answers, since every export is announced
    # to it before its output is committed (masking.evidence.sync.announce_at_service)
    offline_exports: bool = True
    # [recipients] and [purposes]: who may receive exports and why; empty lists allow any
    recipients: tuple[RecipientRule, ...] = ()
    unlisted_recipient: Unlisted = "refuse"  # or "approval": an unlisted recipient needs an approval code
    purposes: tuple[str, ...] = ()
    unlisted_purpose: Unlisted = "refuse"
    source: str = field(default="built-in default", compare=False)
    origin: Origin = field(default="built-in", compare=False)  # signed by the office, a local file, or built in
    sha256: str = field(default="", compare=False)  # of the policy's text as read
    signer: str | None = field(default=None, compare=False)  # the office key id that signed it

    def provenance(self) -> dict[str, str | None]:
        """What every record says about the policy it was made under."""
        return {"version": self.version, "origin": self.origin, "sha256": self.sha256, "signer": self.signer}

    def recipient(self, typed: Recipient) -> Recipient:
        """The canonical recipient the policy lists for ``typed`` (by name or alias), else ``typed``:
        one name per recipient, so a typo or an abbreviation does not split the pseudonym scope."""
        folded = _fold(typed.name)
        for rule in self.recipients:
            if rule.matches(folded):
                return Recipient.of(rule.name)
        return typed

    def lists_recipient(self, typed: Recipient) -> bool:
        folded = _fold(typed.name)
        return not self.recipients or any(rule.matches(folded) for rule in self.recipients)

    def lists_purpose(self, purpose: str) -> bool:
        folded = _fold(purpose)
        return not self.purposes or any(folded == _fold(allowed) for allowed in self.purposes)

    def rule(self, kind: Kind) -> KindRule:
        return self.kinds[kind]

    def default_action(self, kind: Kind | None) -> Action:
        return Action.KEEP if kind is None else self.kinds[kind].default

    def thresholds(self, grade: int) -> GradeRule:
        """The strictest of ``[export]`` and the rule of ``grade``: the thresholds an export of that grade meets."""
        rule = self.grade_rules.get(grade, GradeRule())

        def least(a: int | None, b: int | None) -> int | None:
            return b if a is None else a if b is None else min(a, b)

        min_k = rule.min_k if self.min_k is None else self.min_k if rule.min_k is None else max(self.min_k, rule.min_k)
        return GradeRule(least(self.approval_threshold, rule.approval_threshold),
                         self.require_password or rule.require_password, min_k)

    def allowed_actions(self, kind: Kind | None) -> frozenset[Action]:
        """Unclassified columns may take any action: the policy only restricts personal data."""
        return frozenset(Action) if kind is None else self.kinds[kind].allowed


def _fail(where: str, message: str) -> UsageError:
    return UsageError(f"policy {where}: {message}")


def _bool(table: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise _fail(where, f"'{key}' must be true or false")
    return value


def _kind_rules(data: Mapping[str, Any], where: str) -> dict[Kind, KindRule]:
    table = data.get("kinds")
    if not isinstance(table, dict):
        raise _fail(where, "no [kinds] tables")
    unknown = set(table) - {k.value for k in Kind}
    if unknown:
        raise _fail(where, f"unknown {'kind' if len(unknown) == 1 else 'kinds'} {', '.join(sorted(unknown))}")
    rules: dict[Kind, KindRule] = {}
    for kind in Kind:
        entry = table.get(kind.value)
        if not isinstance(entry, dict) or "default" not in entry:
            raise _fail(where, f"[kinds.{kind.value}] has no default action")
        try:
            default = Action(entry["default"])
            allowed = frozenset(Action(a) for a in entry.get("allowed", [default.value]))
        except ValueError as error:
            raise _fail(where, f"[kinds.{kind.value}]: {error}") from None
        if default not in allowed:
            raise _fail(where, f"[kinds.{kind.value}]: the default '{default}' is not among the allowed actions")
        rules[kind] = KindRule(default, allowed)
    return rules


def parse_policy(data: Mapping[str, Any], where: str) -> Policy:
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise _fail(where, "'version' is missing")
    export = data.get("export", {})
    if not isinstance(export, dict):
        raise _fail(where, "[export] must be a table")
    threshold = parse_count(export, "approval_threshold", where)
    suppressed = export.get("max_suppressed", 0.05)
    if isinstance(suppressed, bool) or not isinstance(suppressed, int | float) or not 0 <= suppressed <= 0.5:
        raise _fail(where, "'max_suppressed' must be a share from 0 to 0.5")
    levels, grade_rules = parse_grading(data, where)
    layers = export.get("mandatory_layers", [])
    if not isinstance(layers, list) or not set(layers) <= WATERMARK_LAYERS:
        raise _fail(where, f"'mandatory_layers' must be a list drawn from {', '.join(sorted(WATERMARK_LAYERS))}")
    scope = export.get("pseudonym_scope", "recipient")
    if scope not in ("recipient", "organisation", "export"):
        raise _fail(where, "'pseudonym_scope' must be \"recipient\", \"organisation\" or \"export\"")
    keys = export.get("approval_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and len(k) == 64 for k in keys):
        raise _fail(where, "'approval_keys' must be a list of hex Ed25519 public keys")
    watermark = _watermark_settings(export, where)
    return Policy(
        version=version,
        kinds=_kind_rules(data, where),
        require_recipient=_bool(export, "require_recipient", True, where),
        require_purpose=_bool(export, "require_purpose", True, where),
        approval_threshold=threshold,
        require_password=_bool(export, "require_password", False, where),
        mandatory_layers=frozenset(layers),
        pseudonym_scope=scope,
        approval_keys=tuple(keys),
        min_k=parse_count(export, "min_k", where, least=2),
        max_suppressed=float(suppressed),
        levels=levels,
        grade_rules=grade_rules,
        source=where,
        **watermark,
        **_reporting_limits(data, where),
        **_addressees(data, where),
    )


def _unlisted(table: Mapping[str, Any], where: str, name: str) -> Unlisted:
    value = table.get("unlisted", "refuse")
    if value not in ("refuse", "approval"):
        raise _fail(where, f"[{name}] 'unlisted' must be \"refuse\" or \"approval\"")
    return "approval" if value == "approval" else "refuse"


def _addressees(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``[recipients] allowed = [{name, aliases}]`` and ``[purposes] allowed = [...]``, each with ``unlisted``."""
    recipients, purposes = data.get("recipients", {}), data.get("purposes", {})
    if not isinstance(recipients, dict) or not isinstance(purposes, dict):
        raise _fail(where, "[recipients] and [purposes] must be tables")
    rules = []
    for entry in recipients.get("allowed", []):
        name = entry.get("name") if isinstance(entry, dict) else None
        aliases = entry.get("aliases", []) if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(aliases, list) \
                or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise _fail(where, "[recipients] 'allowed' must be a list of {name = \"...\", aliases = [...]}")
        rules.append(RecipientRule(Recipient.of(name).name, tuple(a.strip() for a in aliases)))
    allowed = purposes.get("allowed", [])
    if not isinstance(allowed, list) or not all(isinstance(p, str) and p.strip() for p in allowed):
        raise _fail(where, "[purposes] 'allowed' must be a list of texts")
    return {"recipients": tuple(rules), "unlisted_recipient": _unlisted(recipients, where, "recipients"),
            "purposes": tuple(p.strip() for p in allowed), "unlisted_purpose": _unlisted(purposes, where, "purposes")}


def _reporting_limits(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    table = data.get("reporting", {})
    if not isinstance(table, dict):
        raise _fail(where, "[reporting] must be a table")
    exports, hours = table.get("max_unsynced_exports"), table.get("max_unsynced_hours")
    if exports is not None and (isinstance(exports, bool) or not isinstance(exports, int) or exports < 1):
        raise _fail(where, "'max_unsynced_exports' must be a count of at least 1")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0):
        raise _fail(where, "'max_unsynced_hours' must be a positive number of hours")
    offline = table.get("offline_exports", "allow")
    if offline not in ("allow", "refuse"):
        raise _fail(where, "'offline_exports' must be \"allow\" or \"refuse\"")
    return {"max_unsynced_exports": exports, "max_unsynced_hours": None if hours is None else float(hours),
            "offline_exports": offline == "allow"}


def _watermark_settings(export: Mapping[str, Any], where: str) -> dict[str, Any]:
    rate = export.get("canary_rate", 0.015)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 0.1:
        raise _fail(where, "'canary_rate' must be a share from 0 to 0.1")
    pools = {}
    for name in ("canary_phones", "canary_emails"):
        items = export.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise _fail(where, f"'{name}' must be a list of texts")
        pools[name] = tuple(i.strip() for i in items)
    pool_blocks(pools["canary_phones"])
    readings = export.get("mark_readings", [])
    if not isinstance(readings, list) or not all(isinstance(r, str) and r.strip() for r in readings):
        raise _fail(where, "'mark_readings' must be a list of column headers")
    slices = export.get("canary_pool_slices", 1)
    if isinstance(slices, bool) or not isinstance(slices, int) or not 1 <= slices <= 10_000:
        raise _fail(where, "'canary_pool_slices' must be a count from 1 to 10000")
    clear = export.get("clear_export_layers", ["canaries", "marks"])
    if not isinstance(clear, list) or not set(clear) <= {"canaries", "marks", "tokens", "membership"}:
        raise _fail(where, "'clear_export_layers' must be a list drawn from canaries, marks, membership, tokens")
    found = export.get("found_pii", "stop")
    if found not in FOUND_PII_MODES:
        raise _fail(where, "'found_pii' must be \"stop\" or \"protect\"")
    return {"canary_rate": float(rate), "clear_export_layers": frozenset(clear), "found_pii": found,
            "canary_pool_slices": slices, "mark_readings": tuple(r.strip() for r in readings), **pools}


def _parse_text(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"policy {where}: not readable TOML ({error})") from None


def _read_text(path: Traversable) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"policy file {path} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"policy {path}: not readable ({error})") from None


def policy_from_text(text: str, where: str, origin: Origin, signer: str | None = None) -> Policy:
    """Parse and validate one policy text, recording where it came from and its SHA-256."""
    policy = parse_policy(_parse_text(text, where), where)
    return replace(policy, origin=origin, sha256=policy_sha256(text), signer=signer)


def builtin_policy() -> Policy:
    return policy_from_text(_read_text(DEFAULT_POLICY), "built-in default", "built-in")


def load_policy(explicit: Path | None = None, home: Path | None = None) -> Policy:
    """The policy an export in ``home`` runs under (see the module's docstring for the rules)."""
    office = read_pin(home) if home is not None else None
    if home is not None and office is not None:
        return _managed_policy(explicit, home, office)
    path: Traversable | None = explicit
    if path is None and home is not None and (home / POLICY_FILE).is_file():
        path = home / POLICY_FILE
    if path is None:
        return builtin_policy()
    if isinstance(path, Path) and (signed := read_signed(path)) is not None:
        # a signed policy on an unmanaged home: it is what the office wrote, but nothing here pins the
        # office's key, so it counts as local
        return policy_from_text(signed.text, str(path), "local")
    return policy_from_text(_read_text(path), str(path), "local")


def _managed_policy(explicit: Path | None, home: Path, office: OfficeKeys) -> Policy:
    """A managed home's policy: signed by the pinned office key, or the built-in default."""
    if explicit is not None:
        path, name = explicit, explicit.name
    elif (home / POLICY_FILE).is_file():
        raise PolicyError.of(violation("policy_home_unsigned", path=str(home / POLICY_FILE)))
    elif (home / INSTALLED_FILE).is_file():
        path, name = home / INSTALLED_FILE, "the installed policy"
    else:
        return replace(builtin_policy(), approval_keys=(office.signing,))
    signed = read_signed(path)
    if signed is None:
        raise PolicyError.of(violation("policy_unsigned", name=name))
    verify_signed(signed, office, name)
    policy = policy_from_text(signed.text, str(path), "signed", signer=signed.office.office_id)
    # approvals are trusted when the pinned office signed them, or a key its signed policy names
    return replace(policy, approval_keys=tuple(dict.fromkeys((office.signing, *policy.approval_keys))))
