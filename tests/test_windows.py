"""Windows traps, with the platform's behaviour simulated where this machine cannot show it: a file held
open by Excel or WPS, file systems without hard links, long paths with Chinese characters and spaces, a
home folder under a Chinese user name, permission bits that mean nothing, and a GBK console."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.errors import InputError, OutputError
from masking.io import atomic, held_open, paths
from masking.io.atomic import atomic_output
from masking.io.reader import open_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
CLOSE_IT = "close the file in Excel and try again"


def windows_error(winerror: int) -> PermissionError:
    """The PermissionError Windows raises: errno 13 (EACCES) with the Windows error code beside it."""
    error = PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                            "by another process" if winerror == 32 else "Access is denied")
    error.winerror = winerror  # type: ignore[attr-defined]  # set by CPython on Windows only
    return error


def failing(times: int, error: Callable[[], BaseException], then: Callable[..., object]) -> Callable[..., object]:
    """A stand-in that raises ``error()`` the first ``times`` calls, then does what ``then`` does."""
    calls = {"n": 0}

    def operation(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error()
        return then(*args, **kwargs)

    operation.calls = calls  # type: ignore[attr-defined]
    return operation


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(held_open, "RETRY_DELAYS_S", (0.0, 0.0, 0.0, 0.0))


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the output (or input) is open in Excel or WPS ------------------------------------------------

@pytest.mark.parametrize("winerror", [32, 33, 5])
def test_overwriting_an_output_open_in_excel_says_close_it_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], winerror: int) -> None:
    source = tmp_path / "客户 明细.xlsx"
    shutil.copyfile(SAMPLES / "customers_zh.xlsx", source)
    target = tmp_path / "外发 给银行.xlsx"
    target.write_bytes(b"the previous export, open in Excel")
    assert run(["keys", "init", "--no-passphrase"]) == 0  # the keystore is written before the file is held
    capsys.readouterr()
    replace = failing(99, lambda: windows_error(winerror), os.replace)
    monkeypatch.setattr(atomic.os, "replace", replace)
    code = run(["export", str(source), "--recipient", "城东代收银行", "--purpose", "催缴", "--out", str(target),
                "--force"])
    err = capsys.readouterr().err
    assert code == 6
    assert err.count("\n") == 1 and CLOSE_IT in err and "'外发 给银行.xlsx'" in err
    assert ("or read-only" in err) == (winerror == 5)
    assert replace.calls["n"] == len(held_open.RETRY_DELAYS_S) + 1  # type: ignore[attr-defined]
    assert target.read_bytes() == b"the previous export, open in Excel"
    assert listing(tmp_path) == ["外发 给银行.xlsx", "客户 明细.xlsx"]  # no temporary file, no scratch folder


def test_a_file_held_for_a_moment_by_a_virus_scanner_is_tried_again(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic.os, "replace", failing(2, lambda: windows_error(32), os.replace))
    with atomic_output(target, overwrite=True) as temp:
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert listing(tmp_path) == ["out.bin"]


def test_a_new_output_on_windows_is_renamed_into_place_and_a_held_one_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "WINDOWS", True)
    monkeypatch.setattr(atomic.os, "link", lambda *_: pytest.fail("Windows places a new output by rename"))
    with atomic_output(tmp_path / "一.csv") as temp:
        temp.write_bytes(b"a")
    assert (tmp_path / "一.csv").read_bytes() == b"a"
    monkeypatch.setattr(atomic.os, "rename", failing(99, lambda: windows_error(32), os.rename))
    with pytest.raises(OutputError, match=CLOSE_IT), atomic_output(tmp_path / "二.csv") as temp:
        temp.write_bytes(b"b")
    assert listing(tmp_path) == ["一.csv"]


def test_a_temporary_file_held_by_a_scanner_is_still_removed_after_a_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unlink = failing(2, lambda: windows_error(32), os.unlink)
    monkeypatch.setattr(atomic.os, "unlink", unlink)
    with pytest.raises(ValueError, match="boom"), atomic_output(tmp_path / "out.csv") as temp:
        temp.write_bytes(b"partial")
        raise ValueError("boom")
    assert listing(tmp_path) == []
    assert unlink.calls["n"] == 3  # type: ignore[attr-defined]


def test_the_xlsx_scratch_folder_held_by_a_scanner_is_still_removed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from masking.io.writer import open_writer

    monkeypatch.setattr(atomic.shutil, "rmtree", failing(1, lambda: windows_error(32), shutil.rmtree))
    with pytest.raises(ValueError, match="boom"), open_writer(tmp_path / "out.xlsx", "xlsx") as book:
        book.add_sheet("数据", ["姓名"]).write_rows([("张三",)])
        raise ValueError("boom")
    assert listing(tmp_path) == []


def test_an_input_locked_by_wps_says_close_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "客户 明细.xlsx"
    shutil.copyfile(SAMPLES / "customers_zh.xlsx", source)
    real_open = Path.open

    def locked_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == source.name:
            raise windows_error(32)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", locked_open)
    with pytest.raises(InputError, match=f"'客户 明细.xlsx' is open in another program: {CLOSE_IT}"):
        open_workbook(source)
    assert run(["scan", str(source)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and CLOSE_IT in err


def test_a_permission_error_without_winerror_is_not_called_excel(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """On POSIX, EACCES on replace means the folder, not a program holding the file: no Excel advice."""
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic.os, "replace", failing(99, lambda: PermissionError(errno.EACCES, "denied"),
                                                      os.replace))
    with pytest.raises(OutputError) as raised, atomic_output(target, overwrite=True) as temp:
        temp.write_bytes(b"new")
    assert "Excel" not in str(raised.value) and "cannot replace" in str(raised.value)


# -- hard links unsupported (FAT, exFAT, network shares) ----------------------------------------

@pytest.mark.parametrize("error_number", [errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS])
def test_without_hard_links_the_output_is_still_placed_and_never_clobbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error_number: int) -> None:
    def no_links(*_: object) -> None:
        raise OSError(error_number, os.strerror(error_number))

    monkeypatch.setattr(atomic, "WINDOWS", False)
    monkeypatch.setattr(atomic.os, "link", no_links)
    with atomic_output(tmp_path / "外发.csv") as temp:
        temp.write_bytes(b"complete")
    assert (tmp_path / "外发.csv").read_bytes() == b"complete"
    assert listing(tmp_path) == ["外发.csv"]
    with pytest.raises(OutputError, match="already exists"), atomic_output(tmp_path / "late.csv") as temp:
        temp.write_bytes(b"mine")
        (tmp_path / "late.csv").write_bytes(b"someone else's")  # appears while the export writes
    assert (tmp_path / "late.csv").read_bytes() == b"someone else's"
    assert listing(tmp_path) == ["late.csv", "外发.csv"]


# -- long paths with Chinese characters and spaces -------------------------------------------------

def test_long_windows_paths_get_the_extended_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = "C:\\Users\\张三\\Documents\\" + "\\".join(["营业厅 客户资料 第二季度"] * 20)
    long_file = folder + "\\客户 明细.xlsx"
    assert len(long_file) > paths.MAX_PATH
    assert paths.long_path_text(long_file) == "\\\\?\\" + long_file
    assert paths.long_path_text("C:\\Users\\张三\\客户 明细.xlsx") == "C:\\Users\\张三\\客户 明细.xlsx"
    assert paths.long_path_text("\\\\?\\" + long_file) == "\\\\?\\" + long_file  # already extended
    share = "\\\\fileserver\\外发\\" + "\\".join(["城东 供电所"] * 40) + "\\a.csv"
    assert paths.long_path_text(share) == "\\\\?\\UNC\\fileserver\\外发\\" + share[len("\\\\fileserver\\外发\\"):]
    dotted = "C:\\数据\\..\\" + "\\".join(["营业厅 客户资料"] * 30) + "\\b.csv"
    assert paths.long_path_text(dotted).startswith("\\\\?\\C:\\营业厅 客户资料\\")  # normalised before prefixing
    target = Path("/srv") / ("目录 " * 100) / "x.xlsx"
    assert paths.os_path(target) == target  # not on Windows: unchanged
    monkeypatch.setattr(paths, "WINDOWS", True)
    assert str(paths.os_path(Path(long_file))).startswith("\\\\?\\")


def test_export_trace_and_verify_through_a_path_over_260_characters(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path.joinpath(*["城东供电所 营业厅 客户资料 二〇二六年第四季度 欠费催缴 外发 记录"] * 6)
    deep.mkdir(parents=True)
    source = deep / "客户 明细 (含手机号).xlsx"
    shutil.copyfile(SAMPLES / "customers_zh.xlsx", source)
    output = deep / "外发 给 城东代收银行.csv"
    assert len(str(output)) > 260
    home = tmp_path / "home"  # SQLite refuses database paths over 512 bytes; the home folder is short anyway
    assert run(["--home", str(home), "scan", str(source), "--json"]) == 0
    assert run(["--home", str(home), "export", str(source), "--recipient", "城东代收银行", "--purpose", "催缴",
                "--out", str(output), "--json"]) == 0
    capsys.readouterr()
    assert run(["--home", str(home), "trace", str(output), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"]["recipient"] == "城东代收银行"
    assert run(["--home", str(home), "audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


# -- a home folder under a Chinese user name; permission bits that mean nothing ------------------

def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "masking", *args], env=env, cwd=cwd, capture_output=True,
                          timeout=300, check=False)


def test_a_home_under_a_chinese_user_name_holds_keys_ledger_and_trace_data(tmp_path: Path) -> None:
    """No --home and no EXPORTGUARD_HOME: the user data folder under 张 三's profile, as on Windows."""
    profile = tmp_path / "Users" / "张 三"
    profile.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("EXPORTGUARD_HOME", "XDG_DATA_HOME")}
    env |= {"HOME": str(profile), "USERPROFILE": str(profile), "LOCALAPPDATA": str(profile / "AppData" / "Local"),
            "PYTHONIOENCODING": "utf-8"}
    source = profile / "桌面 客户.xlsx"
    shutil.copyfile(SAMPLES / "customers_zh.xlsx", source)
    done = _cli(["export", str(source), "--recipient", "城东代收银行", "--purpose", "催缴", "--json"], env, profile)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    result = json.loads(done.stdout)
    assert Path(result["output"]).parent == profile  # the CLI's default: beside the input
    verified = _cli(["audit", "verify", "--json"], env, profile)
    assert json.loads(verified.stdout) == {"ok": True, "entries": 2, "problems": []}  # the keys made, the export
    homes = [p.parent for p in profile.rglob("keystore.json")]
    assert len(homes) == 1 and "张 三" in str(homes[0])
    assert {"keystore.json"} <= {p.name for p in homes[0].iterdir()}
    assert any(p.suffix in (".sqlite", ".db") for p in homes[0].iterdir())


def test_keys_and_ledger_work_where_permission_bits_are_ignored(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows ignores mkdir's mode and keeps only a read-only flag from open's: nothing may depend on them
    (the protection there is the profile folder's ACL and the passphrase; docs/design.md)."""
    real_open, real_mkdir = os.open, os.mkdir
    monkeypatch.setattr(os, "open", lambda path, flags, mode=0o777, **kw: real_open(path, flags, 0o666, **kw))
    monkeypatch.setattr(os, "mkdir", lambda path, mode=0o777, **kw: real_mkdir(path, 0o777, **kw))
    monkeypatch.setattr(os, "chmod", lambda *_args, **_kw: None)
    previous = os.umask(0)
    try:
        home = tmp_path / "home"
        source = tmp_path / "客户.xlsx"
        shutil.copyfile(SAMPLES / "customers_zh.xlsx", source)
        assert run(["--home", str(home), "export", str(source), "--recipient", "银行", "--purpose", "催缴",
                    "--out", str(tmp_path / "out.xlsx")]) == 0
        assert run(["--home", str(home), "audit", "verify"]) == 0
        assert (home / "keystore.json").stat().st_mode & 0o777 == 0o666  # the bits really were ignored
    finally:
        os.umask(previous)


# -- the console in the legacy code page ----------------------------------------------------------

def test_a_gbk_console_prints_chinese_and_survives_what_gbk_cannot_show(tmp_path: Path) -> None:
    """A Chinese Windows console redirected to a file writes GBK; a header with 𠮷 (not in GBK), an emoji or
    Hangul must not end the command with a UnicodeEncodeError."""
    source = tmp_path / "客户 明细 😀.csv"
    source.write_text("户名,手机号码,备注𠮷\n" + "".join(f"张{i}明,139{i:08d},한국 {i}\n" for i in range(30)),
                      encoding="utf-8-sig")
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "EXPORTGUARD_HOME": str(tmp_path / "home")}
    text = _cli(["scan", str(source)], env, tmp_path)
    assert text.returncode == 0, text.stderr
    shown = text.stdout.decode("gbk")
    assert "手机号码" in shown and "备注?" in shown and "客户 明细 ?.csv" in shown
    as_json = _cli(["scan", str(source), "--json"], env, tmp_path)
    assert as_json.returncode == 0
    report = json.loads(as_json.stdout.decode("gbk"))  # exact: escapes where GBK has no character
    assert report["input"].endswith("客户 明细 😀.csv")
    assert "备注𠮷" in [column["header"] for column in report["sheets"][0]["columns"]]
    missing = _cli(["scan", str(tmp_path / "没有 😀.xlsx")], env, tmp_path)
    assert missing.returncode == 3
    assert missing.stderr.decode("gbk").count("\n") == 1 and "没有 ?.xlsx" in missing.stderr.decode("gbk")
    export = _cli(["export", str(source), "--recipient", "城东 😀 银行", "--purpose", "催缴",
                   "--out", str(tmp_path / "out.csv")], env, tmp_path)
    assert export.returncode == 0, export.stderr
    assert "Exported 30 rows" in export.stdout.decode("gbk")
