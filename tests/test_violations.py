"""Policy violations are records (a code and its arguments) whose English the CLI prints."""

from __future__ import annotations

import pytest

from masking.violations import VIOLATION_TEXTS, Violation, violation


def test_english_lists_join_with_commas_and_formats_with_or() -> None:
    refusal = violation("password_format", format="csv", formats=frozenset({"xlsx", "ods"}))
    assert refusal.text == ("the policy requires a password-protected output, which a csv file cannot be: "
                            "export as ods or xlsx with --password")
    allowed = violation("action_not_allowed", column="A", kind="phone", action="keep", version="v1",
                        allowed=frozenset({"pseudonymize", "mask"}))
    assert allowed.text.endswith("allowed: mask, pseudonymize") and allowed.items("allowed") == ("mask", "pseudonymize")
    assert str(allowed) == allowed.text and allowed.arg("allowed") == "mask, pseudonymize"


def test_round_trips_through_a_dict() -> None:
    refusal = violation("approval_needed", rows=200, threshold=100)
    assert refusal.to_dict() == {"code": "approval_needed", "args": {"rows": "200", "threshold": "100"}}
    listed = violation("keeps_text", column="C", kinds=("phone", "email"))
    assert Violation.from_dict(listed.to_dict()) == listed
    assert Violation.from_dict(refusal.to_dict()) == refusal


def test_unknown_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown violation code"):
        Violation("no_such_rule")
    assert "recipient_missing" in VIOLATION_TEXTS
