"""decrypt restores what export encrypted: every cell compared with the original input's cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from masking.cli.main import run
from masking.decrypt import decrypt_file
from masking.errors import InputError, KeyProblem, OutputError
from masking.io.model import Value
from masking.io.reader import open_workbook
from masking.keys import KeyRing
from masking.kinds import Kind
from masking.ledger import Ledger
from masking.operators.canonical import DIGIT_KINDS, canonical_digits
from masking.pipeline import ExportRequest, ExportResult, file_sha256, prepare_export, run_export
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
EN_ENCRYPTED = ("Mobile", "Meter ID", "ID Number", "Customer Name", "Email", "Notes", "Account No", "Bank Card")
EN_KINDS = {"Mobile": Kind.PHONE, "Meter ID": Kind.METER_ID, "ID Number": Kind.ID_NUMBER,
            "Customer Name": Kind.PERSON_NAME, "Email": Kind.EMAIL, "Notes": Kind.FREE_TEXT,
            "Account No": Kind.ACCOUNT_NO, "Bank Card": Kind.BANK_CARD}

Sheets = dict[str, list[tuple[int, tuple[Value, ...]]]]


def _cells(path: Path) -> Sheets:
    with open_workbook(path) as workbook:
        return {info.name: list(workbook.rows(info.name)) for info in workbook.sheets}


def _open(home: Path) -> tuple[KeyRing, Ledger]:
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    return ring, workspace.ledger(ring)


def _export(sample: Path, home: Path, out: Path, choices: tuple[str, ...], fmt: Any = None) -> ExportResult:
    ring, ledger = _open(home)
    request = ExportRequest(input=sample, recipient="城东代收银行", purpose="核对", output=out, format=fmt,
                            choices=choices)
    return run_export(prepare_export(request, home), ring, ledger)


def _restored(kind: Kind | None, original: Value, decrypted: Value) -> bool:
    """What encrypt guarantees: text comes back exactly; a digit kind comes back as the same canonical
    value, exactly when the original's formatting kept the canonical digits last (see masking.decrypt)."""
    if original == decrypted:
        return True
    if kind in DIGIT_KINDS and kind is not None:
        canonical = canonical_digits(kind, original)
        return canonical is not None and canonical_digits(kind, decrypted) == canonical
    return False


Encrypted = dict[int, tuple[int, Kind | None]]  # output position -> (input column, kind)


def _encrypted(result: ExportResult, sheet: str) -> Encrypted:
    columns = [c for c in result.columns if c.sheet == sheet]
    kept = [(i, c) for i, c in enumerate(columns) if c.action != "drop"]
    return {position: (index, Kind(c.kind) if c.kind else None)
            for position, (index, c) in enumerate(kept) if c.action == "encrypt"}


def _data(path: Path, sheet: str) -> list[tuple[Value, ...]]:
    """The input's data rows (after its header row and any title rows above it)."""
    with open_workbook(path) as workbook:
        return [values for _, values in workbook.data_rows(sheet)]


def _compare(data: list[tuple[Value, ...]], exported: list[tuple[int, tuple[Value, ...]]],
             decrypted: list[tuple[int, tuple[Value, ...]]], encrypted: Encrypted, header: bool) -> int:
    """Every cell of ``decrypted``: encrypted columns equal the original, the others the export.

    Rows the export inserted (canary rows of the watermark) match no input row; they are skipped, and
    every input row must be found, in order. Returns how many encrypted cells came back exactly.
    """
    assert encrypted
    assert len(decrypted) == len(exported)
    if header:
        assert decrypted[0] == exported[0]
        decrypted, exported = decrypted[1:], exported[1:]
    exact, pending = 0, list(data)
    for (_, written), (_, back) in zip(exported, decrypted, strict=True):
        width = max(len(written), len(back))
        out = written + (None,) * (width - len(written))
        after = back + (None,) * (width - len(back))
        for position, value in enumerate(after):
            if position not in encrypted:
                assert value == out[position]
            else:
                assert value != out[position] or value is None
        after += (None,) * (max(encrypted) + 1 - len(after))
        before = pending[0] if pending else ()
        matches = [_restored(kind, before[index] if index < len(before) else None, after[position])
                   for position, (index, kind) in encrypted.items()]
        if pending and all(matches):
            exact += sum(before[index] == after[position] for position, (index, _) in encrypted.items()
                         if index < len(before))
            pending.pop(0)
    assert not pending, "an input row did not come back"
    assert len(exported) - len(data) <= 0.05 * len(data) + 2  # only the few inserted canary rows
    return exact


def test_xlsx_roundtrip_restores_every_encrypted_cell(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_en.xlsx"
    before = sample.read_bytes()
    home, out, back = tmp_path / "home", tmp_path / "o.xlsx", tmp_path / "back.xlsx"
    result = _export(sample, home, out, tuple(f"{h}=encrypt" for h in EN_ENCRYPTED))
    ring, ledger = _open(home)
    exported = out.read_bytes()
    decrypted = decrypt_file(out, back, ring, ledger)
    assert out.read_bytes() == exported and sample.read_bytes() == before
    output, restored = _cells(out), _cells(back)
    assert list(restored) == list(output) == ["外发说明", "Customers"]
    assert restored["外发说明"] == output["外发说明"]  # the notice sheet, as it was
    encrypted = _encrypted(result, "Customers")
    assert {kind for _, kind in encrypted.values()} == set(EN_KINDS.values())
    exact = _compare(_data(sample, "Customers"), output["Customers"], restored["Customers"], encrypted, True)
    assert exact >= 150 * len(EN_ENCRYPTED) - 150  # plain values: every cell comes back exactly (blanks aside)
    assert decrypted.export_id == result.export_id and decrypted.manifest == "properties"
    assert decrypted.rows == len(output["Customers"]) - 1
    assert {c.header: c.kind for c in decrypted.columns} == {h: EN_KINDS[h].value for h in EN_ENCRYPTED}
    assert all(c.counts.transformed and not c.counts.failed and not c.counts.unparsed for c in decrypted.columns)


@pytest.mark.parametrize(
    ("sample", "choices", "header_rows"),
    [
        ("messy.xlsx", ("户名=encrypt", "手机=encrypt", "身份证=encrypt", "备注=encrypt", "户号=encrypt"), 1),
        ("numbers_as_numbers.xlsx", ("户号=encrypt", "手机号码=encrypt", "联系电话=encrypt", "身份证号码=encrypt",
                                     "电能表资产编号=encrypt", "户名=encrypt"), 1),
        ("no_header.xlsx", ("A=encrypt", "B=encrypt", "C=encrypt", "D=encrypt", "E=encrypt"), 0),
    ],
)
def test_formatted_numeric_and_headerless_files_come_back(
    tmp_path: Path, sample: str, choices: tuple[str, ...], header_rows: int
) -> None:
    source = SAMPLES / sample
    home, out, back = tmp_path / "home", tmp_path / "o.xlsx", tmp_path / "back.xlsx"
    result = _export(source, home, out, choices)
    ring, ledger = _open(home)
    decrypted = decrypt_file(out, back, ring, ledger)
    [sheet] = _cells(source)
    encrypted = _encrypted(result, sheet)
    exact = _compare(_data(source, sheet), _cells(out)[sheet], _cells(back)[sheet], encrypted, bool(header_rows))
    assert len(decrypted.columns) == len(choices) == len(encrypted)
    assert exact >= 0.8 * len(encrypted) * decrypted.rows  # the others differ only in formatting


def test_csv_roundtrip_through_the_ledger(tmp_path: Path) -> None:
    for sample, name in (("customers_utf8bom.csv", "o.csv"), ("customers_gb18030.csv", "g.csv")):
        source = SAMPLES / sample
        home, out, back = tmp_path / "home", tmp_path / name, tmp_path / f"back_{name}"
        with open_workbook(source) as workbook:
            headers = workbook.table(workbook.sheets[0].name).headers
        chosen = [h for h in headers if h in EN_KINDS] or [h for h in headers if h][:3]
        result = _export(source, home, out, tuple(f"{h}=encrypt" for h in chosen))
        ring, ledger = _open(home)
        decrypted = decrypt_file(out, back, ring, ledger)
        assert decrypted.manifest == "ledger" and decrypted.export_id == result.export_id
        assert back.read_bytes()[:3] == out.read_bytes()[:3]  # the same encoding (BOM or not)
        [sheet] = _cells(source)
        [exported] = _cells(out).values()
        [restored] = _cells(back).values()
        exact = _compare(_data(source, sheet), exported, restored, _encrypted(result, sheet), True)
        assert exact >= 0.9 * len(chosen) * decrypted.rows


def test_each_csv_of_a_multi_sheet_export_decrypts_on_its_own(tmp_path: Path) -> None:
    home, out_dir = tmp_path / "home", tmp_path / "out"
    out_dir.mkdir()
    result = _export(SAMPLES / "multi_sheet.xlsx", home, out_dir / "o.csv",
                     ("城东!户名=encrypt", "城西!证件号码=encrypt", "城西!联系方式=encrypt"), fmt="csv")
    ring, ledger = _open(home)
    for path, sheet in zip(result.outputs, ["城东", "城西"], strict=False):
        back = tmp_path / f"back_{path.name}"
        decrypted = decrypt_file(path, back, ring, ledger)
        [exported] = _cells(path).values()
        [restored] = _cells(back).values()
        _compare(_data(SAMPLES / "multi_sheet.xlsx", sheet), exported, restored, _encrypted(result, sheet), True)
        assert {c.header for c in decrypted.columns} == ({"户名"} if sheet == "城东" else {"证件号码", "联系方式"})


def test_a_key_this_keystore_lacks_is_a_key_problem(tmp_path: Path) -> None:
    out = tmp_path / "o.xlsx"
    _export(SAMPLES / "customers_en.xlsx", tmp_path / "home", out, ("Mobile=encrypt",))
    other_ring, other_ledger = _open(tmp_path / "other-home")
    with pytest.raises(KeyProblem, match=r"key K[0-9A-F]+ is not in this keystore"):
        decrypt_file(out, tmp_path / "back.xlsx", other_ring, other_ledger)
    assert not (tmp_path / "back.xlsx").exists()
    assert other_ledger.entries("decrypt") == []


def test_an_edited_csv_is_not_a_known_export(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    _export(SAMPLES / "customers_utf8bom.csv", tmp_path / "home", out, ("Mobile=encrypt",))
    out.write_bytes(out.read_bytes().replace(b"\r\n", b"\n", 1))
    ring, ledger = _open(tmp_path / "home")
    with pytest.raises(InputError, match=r"o\.csv: not a known export .*edited"):
        decrypt_file(out, tmp_path / "back.csv", ring, ledger)
    assert not (tmp_path / "back.csv").exists()


def test_a_file_without_encrypted_columns_is_refused(tmp_path: Path) -> None:
    ring, ledger = _open(tmp_path / "home")
    with pytest.raises(InputError, match="no encrypted columns recorded for this file"):
        decrypt_file(SAMPLES / "customers_zh.xlsx", tmp_path / "back.xlsx", ring, ledger)
    out = tmp_path / "plain.xlsx"
    _export(SAMPLES / "customers_en.xlsx", tmp_path / "home", out, ())
    with pytest.raises(InputError, match="no encrypted columns recorded for this file"):
        decrypt_file(out, tmp_path / "back.xlsx", ring, ledger)
    assert not (tmp_path / "back.xlsx").exists()


def test_outputs_are_never_overwritten_and_inputs_never_touched(tmp_path: Path) -> None:
    out, back = tmp_path / "o.xlsx", tmp_path / "back.xlsx"
    _export(SAMPLES / "customers_en.xlsx", tmp_path / "home", out, ("Mobile=encrypt",))
    ring, ledger = _open(tmp_path / "home")
    exported = out.read_bytes()
    back.write_bytes(b"precious")
    with pytest.raises(OutputError):
        decrypt_file(out, back, ring, ledger)
    assert back.read_bytes() == b"precious"
    with pytest.raises(OutputError):
        decrypt_file(out, out, ring, ledger, overwrite=True)
    assert out.read_bytes() == exported
    decrypt_file(out, back, ring, ledger, overwrite=True)
    assert back.read_bytes()[:2] == b"PK" and out.read_bytes() == exported


def test_decrypt_is_recorded_without_values(tmp_path: Path) -> None:
    out, back = tmp_path / "o.xlsx", tmp_path / "back.xlsx"
    result = _export(SAMPLES / "customers_en.xlsx", tmp_path / "home", out, ("Mobile=encrypt", "Customer Name=encrypt"))
    ring, ledger = _open(tmp_path / "home")
    decrypt_file(out, back, ring, ledger)
    [entry] = ledger.entries("decrypt")
    body = entry.body
    assert body["export_id"] == result.export_id
    assert body["input_sha256"] == file_sha256(out) and body["output_sha256"] == file_sha256(back)
    assert body["key_ids"] == [ring.active.key_id]
    assert [(c["header"], c["kind"], c["counts"]) for c in body["columns"]] == [
        ("Customer Name", "person_name", {"transformed": body["rows"]}),
        ("Mobile", "phone", {"transformed": body["rows"]}),
    ]
    text = json.dumps(body, ensure_ascii=False)
    for _, values in _cells(SAMPLES / "customers_en.xlsx")["Customers"][1:]:
        assert str(values[1]) not in text and str(values[2]) not in text
    assert ledger.verify().ok


def test_cli_decrypt_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, other = str(tmp_path / "home"), str(tmp_path / "other")
    out, back = tmp_path / "o.xlsx", tmp_path / "back.xlsx"
    assert run(["--home", home, "export", str(SAMPLES / "customers_en.xlsx"), "--recipient", "Bank",
                "--purpose", "p", "--out", str(out), "--action", "Mobile=encrypt", "--quiet"]) == 0
    capsys.readouterr()
    assert run(["--home", home, "decrypt", str(out), "--out", str(back), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["columns"][0]["kind"] == "phone" and payload["output"] == str(back)
    assert run(["--home", home, "decrypt", str(out), "--out", str(back)]) == 6
    run(["--home", other, "keys", "init", "--no-passphrase"])
    capsys.readouterr()
    assert run(["--home", other, "decrypt", str(out), "--out", str(tmp_path / "x.xlsx")]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not in this keystore" in err
    assert run(["--home", home, "decrypt", str(SAMPLES / "customers_zh.xlsx"), "--out", str(tmp_path / "y.xlsx")]) == 3
    assert "no encrypted columns recorded" in capsys.readouterr().err
