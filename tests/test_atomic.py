"""Atomic output: complete or absent, never over the input, nothing left behind."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from masking.errors import Cancelled, OutputError
from masking.io import atomic
from masking.io.atomic import TEMP_PREFIX, atomic_output
from masking.io.model import Value
from masking.io.writer import OutputFormat, open_writer

FORMATS: list[OutputFormat] = ["xlsx", "csv"]


def rows_then_fail(error: BaseException, good_rows: int = 500) -> Iterator[tuple[Value, ...]]:
    for i in range(good_rows):
        yield (f"客户{i}", f"139{i:08d}", i)
    raise error


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_success_replaces_temp_with_target(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with atomic_output(target) as temp:
        assert temp.parent == tmp_path
        assert temp.name.startswith(TEMP_PREFIX)
        assert stat.S_IMODE(temp.stat().st_mode) == 0o600
        assert not target.exists()
        temp.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert listing(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("error", [ValueError("boom"), Cancelled("stop"), KeyboardInterrupt()])
@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_mid_write_leaves_nothing(tmp_path: Path, fmt: OutputFormat, error: BaseException) -> None:
    (tmp_path / "keep.txt").write_text("x")
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(type(error)), open_writer(target, fmt) as book:
        book.add_sheet("数据", ["姓名", "手机", "n"]).write_rows(rows_then_fail(error))
    assert listing(tmp_path) == ["keep.txt"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_leaves_existing_target_untouched(tmp_path: Path, fmt: OutputFormat) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"previous export")
    with pytest.raises(Cancelled), open_writer(target, fmt, overwrite=True) as book:
        book.add_sheet("S", None).write_rows(rows_then_fail(Cancelled("stop")))
    assert target.read_bytes() == b"previous export"
    assert listing(tmp_path) == [target.name]


def test_csv_per_sheet_failure_removes_every_sheet(tmp_path: Path) -> None:
    with pytest.raises(Cancelled), open_writer(tmp_path / "o.csv", "csv", csv_per_sheet=True) as book:
        book.add_sheet("a", None).write_rows([("1",)])
        book.add_sheet("b", None).write_rows(rows_then_fail(Cancelled("stop")))
    assert listing(tmp_path) == []


def test_xlsx_scratch_files_live_beside_target_and_go(tmp_path: Path) -> None:
    target = tmp_path / "o.xlsx"
    with open_writer(target, "xlsx") as book:
        book.add_sheet("S", None).write_rows([("secret",)] * 10)
        beside = [p for p in tmp_path.iterdir() if p.is_dir()]
        assert len(beside) == 1 and beside[0].name.startswith(TEMP_PREFIX)
        assert stat.S_IMODE(beside[0].stat().st_mode) == 0o700
        assert any(beside[0].iterdir())  # the row data waits here, not in the shared temp folder
    assert listing(tmp_path) == ["o.xlsx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_refuses_existing_target_without_overwrite(tmp_path: Path, fmt: OutputFormat) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="already exists"), open_writer(target, fmt):
        pytest.fail("the body must not run")
    assert target.read_bytes() == b"keep me"
    with open_writer(target, fmt, overwrite=True) as book:
        book.add_sheet("S", None).write_rows([("new",)])
    assert target.read_bytes() != b"keep me"
    assert listing(tmp_path) == [target.name]


def test_target_appearing_during_write_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(OutputError, match="already exists"), atomic_output(target) as temp:
        temp.write_bytes(b"ours")
        target.write_bytes(b"someone else's")
    assert target.read_bytes() == b"someone else's"
    assert listing(tmp_path) == ["out.bin"]


def _spellings(source: Path) -> list[Path]:
    folder = source.parent
    (folder / "sub").mkdir()
    (folder / "link.xlsx").symlink_to(source)
    os.link(source, folder / "hard.xlsx")
    return [
        source,
        folder / "sub" / ".." / source.name,
        Path(os.path.relpath(source)),
        folder / "link.xlsx",
        folder / "hard.xlsx",
    ]


def test_refuses_to_write_onto_the_input_in_any_spelling(tmp_path: Path) -> None:
    source = tmp_path / "input.xlsx"
    source.write_bytes(b"original input")
    for target in _spellings(source):
        with pytest.raises(OutputError, match="input"), atomic_output(target, overwrite=True, protect=[source]):
            pytest.fail("the body must not run")
        # and the other way round: the protected path spelled differently
        with pytest.raises(OutputError, match="input"), atomic_output(source, overwrite=True, protect=[target]):
            pytest.fail("the body must not run")
    assert source.read_bytes() == b"original input"
    assert not any(name.startswith(TEMP_PREFIX) for name in listing(tmp_path))


def test_refuses_input_swapped_in_before_the_final_rename(tmp_path: Path) -> None:
    source = tmp_path / "input.xlsx"
    source.write_bytes(b"original input")
    target = tmp_path / "out.xlsx"
    with pytest.raises(OutputError, match="input"), atomic_output(target, overwrite=True, protect=[source]) as temp:
        temp.write_bytes(b"export")
        target.symlink_to(source)
    assert source.read_bytes() == b"original input"


def test_refuses_missing_folder_and_folder_target(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder does not exist"), atomic_output(tmp_path / "nope" / "o.csv"):
        pytest.fail("the body must not run")
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="is a folder"), atomic_output(tmp_path / "d", overwrite=True):
        pytest.fail("the body must not run")


def test_refuses_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod cannot stop root (the CI user here), so the permission answer itself is replaced.
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
    with pytest.raises(OutputError, match="not writable"), atomic_output(tmp_path / "o.csv"):
        pytest.fail("the body must not run")
    assert listing(tmp_path) == []


def test_workbook_without_sheets_still_opens(tmp_path: Path) -> None:
    with open_writer(tmp_path / "empty.xlsx", "xlsx"):
        pass
    workbook = openpyxl.load_workbook(tmp_path / "empty.xlsx")
    assert workbook.sheetnames == ["Sheet1"]
    workbook.close()


def test_messages_are_one_line(tmp_path: Path) -> None:
    target = tmp_path / "o.csv"
    target.write_text("x")
    with pytest.raises(OutputError) as caught, atomic_output(target):
        pytest.fail("the body must not run")
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 6


_KILLED_EXPORT = """
import sys, time
from pathlib import Path
from masking.io.encrypted_xlsx import open_encrypted_xlsx
with open_encrypted_xlsx(Path(sys.argv[1]), "K7M2Q-XW9PA-3HRTE-N8DZB") as book:
    sheet = book.add_sheet("S", ["phone"])
    sheet.write_rows([("13912345678",)] * 30000)  # past the 1 MiB a sheet holds before it writes to its scratch file
    print("ready", flush=True)
    time.sleep(120)
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_scratch_files_of_a_killed_export_are_removed_at_the_next_start(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from masking.io.scratch import sweep

    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen([sys.executable, "-c", _KILLED_EXPORT, str(out / "a.xlsx")], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        live = sorted(p.name for p in out.iterdir())
        assert any(n.endswith(".tmp") for n in live) and any(n.endswith(".d") for n in live)
        assert sweep(out) == 0 and sorted(p.name for p in out.iterdir()) == live  # a running export's are held
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    leftovers = [p for p in out.rglob("*") if p.is_file()]
    assert any(b"13912345678" in p.read_bytes() for p in leftovers)  # plaintext rows, left by the kill
    (out / "keep.txt").write_text("not ours")
    with open_writer(out / "b.csv", "csv") as book:  # the next export into the folder sweeps first
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(TEMP_PREFIX))[0].endswith(".tmp")
        book.add_sheet("S", ["a"]).write_rows([("1",)])
    assert sorted(p.name for p in out.iterdir()) == ["b.csv", "keep.txt"]


def test_a_scratch_folder_without_its_lock_goes_only_after_the_grace_time(tmp_path: Path) -> None:
    import time

    from masking.io.scratch import UNHELD_GRACE, sweep

    young = tmp_path / f"{TEMP_PREFIX}young.d"
    young.mkdir()
    assert sweep(tmp_path) == 0 and young.exists()
    assert sweep(tmp_path, now=time.time() + UNHELD_GRACE + 1) == 1 and not young.exists()
