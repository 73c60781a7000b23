"""An export reads its input once: counted at the file-system boundary (every open of the input and
every byte read through it), not by asking the code under test."""

from __future__ import annotations

import builtins
import hashlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from masking.detect import scan_workbook
from masking.errors import InputError
from masking.io.reader import open_workbook
from masking.keys import KeyRing
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
ROWS = 20_000


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(SAMPLES))
    try:
        import bigxlsx
    finally:
        sys.path.remove(str(SAMPLES))
    path = tmp_path_factory.mktemp("read-once") / "customers.xlsx"
    bigxlsx.write_customers_xlsx(path, ROWS, seed=11)
    return path


class _Counter:
    """Wraps ``open`` so every open of one file and every byte read from it is counted."""

    def __init__(self, target: Path) -> None:
        self.target = target.resolve()
        self.opens = 0
        self.bytes = 0

    def wrap(self, real: Any) -> Any:
        def counting_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            handle = real(file, mode, *args, **kwargs)
            if isinstance(file, str | Path) and Path(file).resolve() == self.target and "r" in mode:
                self.opens += 1
                return _CountingFile(handle, self)
            return handle
        return counting_open


class _CountingFile:
    def __init__(self, handle: Any, counter: _Counter) -> None:
        self._handle, self._counter = handle, counter

    def read(self, *args: Any) -> Any:
        data = self._handle.read(*args)
        self._counter.bytes += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count: int = self._handle.readinto(buffer)
        self._counter.bytes += count
        return count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _CountingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._handle)


def _request(workbook: Path, tmp_path: Path) -> ExportRequest:
    return ExportRequest(input=workbook, recipient="城东代收银行", purpose="欠费催缴", output=tmp_path / "out.xlsx")


def _ring(home: Path) -> KeyRing:
    ring, _ = Workspace(home).keystore.open_or_create()
    return ring


def test_the_export_reads_its_input_once(workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    ring = _ring(home)
    sha256 = hashlib.sha256(workbook.read_bytes()).hexdigest()
    counter = _Counter(workbook)
    monkeypatch.setattr(io, "open", counter.wrap(io.open))
    monkeypatch.setattr(builtins, "open", counter.wrap(builtins.open))
    # as the CLI runs it: its own scan, then the export
    prepared = prepare_export(_request(workbook, tmp_path), home)
    size, looked = workbook.stat().st_size, counter.bytes
    # the scan reads the first rows (and the strings they use) and takes the sheet's stated size: no pass
    assert looked < 800_000 and looked < size // 3
    assert prepared.report.sheets[0].data_rows == ROWS and not prepared.report.sheets[0].rows_exact
    result = run_export(prepared, ring, Workspace(home).ledger(ring), parallel=False)
    assert result.rows == ROWS and result.input_sha256 == sha256
    trace = Workspace(home).ledger(ring).entries("export")[-1].body["trace"]
    assert trace["canary_rows"] == round(ROWS * 0.015)  # drawn after the one pass, against every identifier
    # the scan's look (format check, zip) and the export's (the format check, the zip, the digest's look
    # at what no pass read), each with its own handle: opens, not passes
    assert counter.opens <= 6
    assert size <= counter.bytes - looked <= size * 1.02 + 140_000  # + each zip's look at its end (64 KiB at most)


def test_an_export_of_a_scanned_file_reads_it_once(workbook: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    ring = _ring(home)
    with open_workbook(workbook, hashed=True) as opened:  # the desktop's Review page: a full scan, hashed
        report = scan_workbook(opened, path=workbook)
    assert report.sha256 == hashlib.sha256(workbook.read_bytes()).hexdigest()
    assert report.sheets[0].data_rows == ROWS and report.sheets[0].rows_exact
    counter = _Counter(workbook)
    monkeypatch.setattr(io, "open", counter.wrap(io.open))
    monkeypatch.setattr(builtins, "open", counter.wrap(builtins.open))
    again = prepare_export(_request(workbook, tmp_path), home, report)  # the caller's scan, reused
    size = workbook.stat().st_size
    assert counter.bytes < size // 100  # no pass over the sheet (the risk measure opens the file, reads ~2 KB)
    result = run_export(again, ring, Workspace(home).ledger(ring), parallel=False)
    assert result.rows == ROWS and result.input_sha256 == report.sha256
    assert counter.opens <= 5
    assert size <= counter.bytes <= size * 1.02 + 140_000  # + each zip's look at its end (64 KiB at most)


def test_a_file_changed_after_its_scan_is_refused_and_nothing_is_written(workbook: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring = _ring(home)
    copy = tmp_path / "customers.xlsx"
    copy.write_bytes(workbook.read_bytes())
    request = ExportRequest(input=copy, recipient="城东代收银行", purpose="欠费催缴", output=tmp_path / "out.xlsx")
    prepared = prepare_export(request, home)
    with copy.open("r+b") as handle:  # one byte of the zip's comment area: still a valid workbook
        handle.seek(0, io.SEEK_END)
        handle.write(b"\x00")
    with pytest.raises(InputError, match="changed after it was scanned"):
        run_export(prepared, ring, Workspace(home).ledger(ring), parallel=False)
    assert not (tmp_path / "out.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == []


def test_the_desktop_export_job_uses_the_review_pages_scan(workbook: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6")
    import masking.pipeline
    from desktop.workers import make_export_job, scan_file

    home = tmp_path / "home"
    ring = _ring(home)
    report = scan_file(workbook, lambda done, total: None)  # what the Review page ran when the file opened

    def no_second_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the export job scanned the file again")

    monkeypatch.setattr(masking.pipeline, "scan_workbook", no_second_scan)
    job = make_export_job(_request(workbook, tmp_path), home, ring, Workspace(home).ledger(ring), report)
    result = job(lambda done, total: None)
    assert result.rows == ROWS and result.input_sha256 == report.sha256 != ""
