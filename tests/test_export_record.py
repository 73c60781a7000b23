"""The ledger's export record as a type: round trip, old records, unknown keys; and the one Recipient."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from masking.export_record import ColumnRecord, ExportRecord, OutputFile, TraceSummary
from masking.kinds import Kind
from masking.manifest import EncryptedColumn, ManifestDamaged
from masking.operators import EncryptionRecord
from masking.pipeline import default_output
from masking.recipient import Recipient


def _record() -> ExportRecord:
    column = EncryptedColumn("客户", 2, "手机号码", EncryptionRecord(Kind.PHONE, "K-1", "recipient:银行", "fpe1"))
    return ExportRecord(
        export_id="EX-20261206-00000001", user="clerk", machine="pc-1", recipient="银行", purpose="催费",
        input_name="in.xlsx", input_sha256="a" * 64, output_name="out.csv", output_sha256="",
        format="csv", rows=10, key_id="K-1", scope="recipient:银行",
        outputs=(OutputFile("out_客户.csv", "b" * 64), OutputFile("out_其他.csv", "c" * 64)),
        columns=(ColumnRecord("客户", "手机号码", "phone", "encrypt"), ColumnRecord("其他", None, None, "keep")),
        encrypted=(column.to_dict(),), layers=("tokens",), trace=TraceSummary("d" * 64, 2, 5, 9, 3, 4),
        policy_version="2026.1")


def test_round_trips_through_the_stored_dict() -> None:
    record = _record()
    assert ExportRecord.from_dict(record.to_dict()) == record
    assert record.manifest()[0].header == "手机号码" and record.manifest()[0].record.kind is Kind.PHONE
    assert record.output_index("c" * 64) == 1 and record.output_index("e" * 64) is None
    assert record.included_sheets() == ["客户", "其他"]


def test_reads_an_old_record_and_keeps_unknown_keys() -> None:
    old = {"export_id": "EX-1", "recipient": "银行", "rows": 3, "output_sha256": "f" * 64,
           "trace": {"sha256": "9" * 64}, "a_newer_field": [1, 2]}
    record = ExportRecord.from_dict(old)
    assert (record.recipient, record.rows, record.outputs, record.trace.canary_rows) == ("银行", 3, (), 0)
    assert record.output_index("f" * 64) == 0 and record.trace.sha256 == "9" * 64
    assert record.to_dict()["a_newer_field"] == [1, 2]


def test_a_damaged_manifest_is_one_error_and_hides_nothing_else() -> None:
    record = ExportRecord.from_dict({**_record().to_dict(), "encrypted": [{"sheet": "客户", "position": "x"}]})
    assert record.recipient == "银行"
    with pytest.raises(ManifestDamaged):
        record.manifest()


def test_a_recipient_is_normalised_once() -> None:
    decomposed = " Cafe\u0301 银行 "
    recipient = Recipient.of(decomposed)
    assert recipient.name == "Caf\u00e9 银行" and recipient.scope == "recipient:Caf\u00e9 银行"
    assert recipient.file_label == "Café银行"
    assert Recipient.of("  ").file_label == ""  # nothing to name a file by: the file name leaves it out
    with pytest.raises(ValueError, match="normalises"):
        Recipient(decomposed)


def test_the_default_output_name_leaves_out_a_recipient_it_cannot_name() -> None:
    """No "export" in a Chinese user's file name: the recipient's part is left out until there is one."""
    source = Path("/data/客户明细.xlsx")
    day = dt.date(2026, 12, 6)
    assert default_output(source, "xlsx", Recipient.of("城东代收银行")) == Path("/data/客户明细_外发_城东代收银行.xlsx")
    assert default_output(source, "csv", Recipient.of("")) == Path("/data/客户明细_外发.csv")
    assert default_output(source, "xlsx", Recipient.of("*** ")) == Path("/data/客户明细_外发.xlsx")
    outbox = Path("/home/u/外发")
    assert default_output(source, "xlsx", Recipient.of(""), folder=outbox, day=day) == \
        outbox / "客户明细_外发_20261206.xlsx"
    assert default_output(source, "xlsx", Recipient.of("中行 城东"), folder=outbox, day=day) == \
        outbox / "客户明细_外发_中行城东_20261206.xlsx"
