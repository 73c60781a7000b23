"""The exception hierarchy of the core.

Each error carries the exit code the CLI maps it to (see shared CLI contract) and a one-line,
user-facing message. Messages never contain cell values or key material.
"""

from __future__ import annotations

from masking.violations import Violation


class ExportGuardError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1


class UsageError(ExportGuardError):
    """The command or call was malformed (bad option, unknown column, bad plan entry)."""

    exit_code = 2


class InputError(ExportGuardError):
    """The input file is missing, unreadable, corrupt, encrypted, unsupported or too large."""

    exit_code = 3


class PolicyError(ExportGuardError):
    """The organisation's policy refuses the requested export."""

    exit_code = 4

    def __init__(self, message: str, violations: tuple[Violation, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations

    @classmethod
    def of(cls, violation: Violation) -> PolicyError:
        """The refusal of one coded violation, its English sentence as the message."""
        return cls(violation.text, (violation,))


class KeyProblem(ExportGuardError):
    """The keystore is locked, the passphrase is wrong, or a key is missing."""

    exit_code = 5


class OutputError(ExportGuardError):
    """The output cannot be written, would overwrite the input, or already exists."""

    exit_code = 6


class ServiceUnreachable(ExportGuardError):
    """The security office's evidence service could not be reached (network, TLS, or the service is down)."""

    exit_code = 7


class IntegrityProblem(ExportGuardError):
    """An integrity check found a problem: a tampered ledger, a broken or restarted chain, a refused record."""

    exit_code = 8


class Cancelled(ExportGuardError):
    """Raised from a progress callback to stop long work; nothing is left behind."""

    exit_code = 130
