"""A transform worker started early, while a large export is scanned and planned, is the one the export uses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from masking import transform_worker
from masking.transform import ParallelTransform

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_spare_left() -> Iterator[None]:
    transform_worker._end_spare()
    yield
    transform_worker._end_spare()


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * transform_worker.EARLY_FROM_BYTES)
    return path


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.mark.usefixtures("two_cores")
def test_the_export_takes_the_worker_started_early(big_file: Path) -> None:
    transform_worker.start_early(big_file)
    transform_worker.start_early(big_file)  # one waits at most
    assert len(transform_worker._spare) == 1
    early = transform_worker._spare[0].pid
    worker = ParallelTransform()
    try:
        assert worker._process.pid == early
        assert not transform_worker._spare
    finally:
        worker.close()


@pytest.mark.usefixtures("two_cores")
def test_no_worker_starts_early_for_a_small_or_missing_file(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * (transform_worker.EARLY_FROM_BYTES - 1))
    transform_worker.start_early(small)
    transform_worker.start_early(tmp_path / "missing.xlsx")
    assert not transform_worker._spare


def test_no_worker_starts_early_on_one_core(big_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    transform_worker.start_early(big_file)
    assert not transform_worker._spare


@pytest.mark.usefixtures("two_cores")
def test_a_dead_early_worker_is_not_taken(big_file: Path) -> None:
    transform_worker.start_early(big_file)
    dead = transform_worker._spare[0]
    dead.kill()
    dead.wait()
    fresh = transform_worker.take()
    try:
        assert fresh.pid != dead.pid and fresh.poll() is None
    finally:
        fresh.kill()
        fresh.wait()
        transform_worker._closed(fresh)


@pytest.mark.skipif(os.name == "nt", reason="os.kill(pid, 0) ends a process on Windows instead of probing it")
def test_an_unused_early_worker_ends_with_the_process(big_file: Path) -> None:
    probe = ("import os, sys\n"
             "from pathlib import Path\n"
             "from masking import transform_worker\n"
             "os.cpu_count = lambda: 2\n"
             f"transform_worker.start_early(Path({str(big_file)!r}))\n"
             "print(transform_worker._spare[0].pid)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                          timeout=60)
    pid = int(done.stdout)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, ended but not yet reaped by init, counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@pytest.mark.skipif(not hasattr(transform_worker.fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are set on Linux only")
def test_the_worker_pipes_hold_a_batch_where_the_system_allows() -> None:
    """A batch or an answer goes through in one write: on Linux both pipes hold 1 MiB (the user's limit
    by default), not 64 KiB; a system that refuses leaves them as they are."""
    import fcntl

    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    with transform_worker.start() as process:  # closes its pipes and waits for it on the way out
        try:
            assert process.stdin is not None and process.stdout is not None
            sizes = [fcntl.fcntl(stream.fileno(), fcntl.F_GETPIPE_SZ) for stream in (process.stdin, process.stdout)]
        finally:
            process.kill()
    expected = transform_worker.PIPE_BYTES if limit >= transform_worker.PIPE_BYTES or os.geteuid() == 0 else 64 << 10
    assert sizes == [expected, expected]
