"""English sentences with counts choose singular or plural by the count (the trace and its report)."""

from __future__ import annotations

import pytest

from masking.languages import CHINESE, ENGLISH
from masking.plurals import choose_plurals, counted, numbered
from masking.report.words import say
from masking.violations import VIOLATION_TEXTS, violation
from masking.watermark.trace import EVIDENCE_TEXTS, Evidence


@pytest.mark.parametrize(("count", "expected"), [(1, "1 export in"), ("1", "1 export in"), (2, "2 exports in"),
                                                  ("12,345", "12,345 exports in"), (0, "0 exports in")])
def test_a_count_picks_its_form(count: object, expected: str) -> None:
    assert choose_plurals("{n} {n|export|exports} in", {"n": count}).format(n=count) == expected


def test_the_report_and_the_evidence_read_right_for_one_and_for_many() -> None:
    assert say(ENGLISH, "exports_tested_value", count="1") == "1 export in this workstation's audit ledger"
    assert say(ENGLISH, "exports_tested_value", count="12,345") == "12,345 exports in this workstation's audit ledger"
    assert say(ENGLISH, "ev_pool_unique", count=1).startswith("1 monitored phone number in the leaked data was given")
    assert say(CHINESE, "ev_pool_unique", count=1).startswith("泄露数据中有 1 个受监控号码")
    one = Evidence("tokens", "tokens_unique", (("count", "1"),)).detail
    many = Evidence("tokens", "tokens_unique", (("count", "3"),)).detail
    assert one.startswith("1 identifier or token in the fragment was carried")
    assert many.startswith("3 identifiers or tokens in the fragment were carried")
    assert not any("(s)" in text for text in EVIDENCE_TEXTS.values())


def test_counted_and_numbered_read_right_for_one_and_for_many() -> None:
    assert counted(1, "record") == "1 record" and counted(12345, "record") == "12,345 records"
    assert counted(0, "fragment row") == "0 fragment rows" and counted(2, "key", "keys") == "2 keys"
    assert numbered(3, 3, "record") == "record 3" and numbered(3, 5, "record") == "records 3-5"


def test_the_cli_sentences_with_counts_read_right() -> None:
    assert not any("(s)" in text for text in VIOLATION_TEXTS.values())
    one = violation("pii_found_in_kept", sheet="1", column="D", cells="1", kinds=("phone",)).text
    many = violation("pii_found_in_kept", sheet="1", column="D", cells="30", kinds=("phone",)).text
    assert one.startswith("sheet 1, column D: 1 cell holds phone")
    assert many.startswith("sheet 1, column D: 30 cells hold")
    assert violation("unsynced_exports", count="1", limit="0").text.startswith("1 export has not reached")
    assert violation("pii_found_protected", sheet="1", column="B", cells="2", kinds=("phone",)).text.endswith(
        "2 cells held phone and were protected")
