"""How the command ends when the world does something to it: an empty workbook, a reader that
closes stdout early, SIGTERM and SIGHUP in the middle of an export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hostile import MAIN_NS, workbook_parts, write_zip

from masking.cli.main import run

ROOT = Path(__file__).resolve().parents[1]


def _cli(*argv: str, **kwargs: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "masking", *argv], env=env, **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize("hidden", [False, True])
def test_a_workbook_without_data_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str], hidden: bool) -> None:
    parts = workbook_parts(f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>')
    if hidden:  # data only in a hidden sheet: the message says how to export it
        parts = workbook_parts()
        parts["xl/workbook.xml"] = str(parts["xl/workbook.xml"]).replace('name="S"', 'name="S" state="hidden"')
    path = write_zip(tmp_path / "empty.xlsx", parts)
    code = run(["export", str(path), "--recipient", "r", "--purpose", "p", "--json"])
    captured = capsys.readouterr()
    assert code == 3
    assert json.loads(captured.out)["error"]["exit_code"] == 3
    assert "no data in any visible sheet" in captured.err
    assert ("--include-hidden" in captured.err) is hidden
    assert len(captured.err.strip().splitlines()) == 1
    assert not (tmp_path / "empty_外发_r.xlsx").exists()


@pytest.mark.parametrize("command", ["export", "scan"])
def test_a_missing_input_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                command: str) -> None:
    extra = ["--recipient", "r", "--purpose", "p"] if command == "export" else []
    code = run(["--home", str(tmp_path / "home"), command, str(tmp_path / "客户.xlsx"), *extra])
    error = capsys.readouterr().err
    assert code == 3
    assert error.strip().splitlines() == ["exportguard: error: 客户.xlsx: no such file"]


def test_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("姓名,手机\n" + "".join(f"张{n},139{n:08d}\n" for n in range(200)), encoding="utf-8")
    with _cli("scan", str(path), "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE) as writer:
        assert writer.stdout is not None and writer.stderr is not None
        writer.stdout.read(10)
        writer.stdout.close()  # like `| head -c 10`
        error = writer.stderr.read().decode()
        writer.wait(timeout=60)
    assert "Traceback" not in error and "BrokenPipe" not in error
    assert writer.returncode in (0, 141)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_ending_signals_leave_no_temporary_output(tmp_path: Path, signum: signal.Signals) -> None:
    home = tmp_path / "home"
    init = _cli("--home", str(home), "keys", "init", "--no-passphrase", stdout=subprocess.DEVNULL)
    assert init.wait(timeout=60) == 0
    source = tmp_path / "big.csv"
    source.write_text("姓名,手机,户号\n" + "".join(f"张{n % 97},139{n:08d},31{n:08d}\n" for n in range(300_000)),
                      encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with _cli("--home", str(home), "export", str(source), "--recipient", "r", "--purpose", "p",
              "--out", str(out / "o.csv"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as export:
        deadline = time.monotonic() + 120
        while not any(out.iterdir()) and time.monotonic() < deadline:  # wait until the temporary file exists
            time.sleep(0.05)
        assert any(out.iterdir()), "the export never started writing"
        export.send_signal(signum)
        assert export.wait(timeout=60) == 128 + signum
        assert export.stderr is not None
        error = export.stderr.read().decode()
    assert f"stopped by {signum.name}" in error and "Traceback" not in error
    assert list(out.iterdir()) == []
    assert source.read_text(encoding="utf-8").startswith("姓名")
