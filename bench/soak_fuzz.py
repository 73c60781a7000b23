"""The long fuzzing soak: mutants of the bundled samples (tests/fuzz_harness.py) read, scanned and
exported in-process, each under a watchdog, resumable.

    .venv/bin/python bench/soak_fuzz.py --state soak.json --until 100000 [--seed 19] [--export-every 4]
        [--timeout 20] [--memory-mb 3072]

A supervisor starts a worker interpreter that runs mutants one after another in-process (a CLI
process per mutant would take hours). Before each mutant the worker notes its number in the state
file's ``.current`` companion and arms ``faulthandler.dump_traceback_later(timeout, exit=True)``: a
mutant that hangs kills the worker with its stack, the supervisor records a hang for that number and
restarts the worker from the last saved number, skipping the hung one. The worker's address space is
capped (``--memory-mb``), so a runaway
allocation is a MemoryError (an internal error), never a swapping machine. Counters go to ``--state``
every 200 mutants and at the end; running the same command again resumes where it stopped. Every
internal error and hang is saved under ``<state>.crashes/`` as the mutant's bytes, to become a
regression file in tests/fuzz_regressions/.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SAVE_EVERY = 200


def _load(state: Path) -> dict[str, object]:
    if state.exists():
        loaded: dict[str, object] = json.loads(state.read_text(encoding="utf-8"))
        return loaded
    return {"next": 0, "ok": 0, "refused": 0, "internal": [], "hangs": [], "seconds": 0.0, "peak_rss_mb": 0.0,
            "exported": 0}


def _save(state: Path, data: dict[str, object]) -> None:
    temp = state.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temp, state)


def _keys(work: Path) -> tuple[Path, object]:
    """A fresh home with an unprotected keystore for the soak's exports."""
    from masking.cli.main import run
    from masking.workspace import Workspace

    home = work / "home"
    home.mkdir()
    with open(os.devnull, "w") as quiet:  # the keystore note goes nowhere
        saved, sys.stdout = sys.stdout, quiet
        run(["--home", str(home), "keys", "init", "--no-passphrase"])
        sys.stdout = saved
    ring, _ = Workspace(home).keystore.open_or_create("")
    return home, ring


def _worker(args: argparse.Namespace) -> int:
    """Run mutants from the state's ``next`` until ``--until``; exit 0 when done."""
    import fuzz_harness as fh

    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    state = Path(args.state)
    data = _load(state)
    crashes = state.with_name(state.name + ".crashes")
    crashes.mkdir(exist_ok=True)
    current = state.with_name(state.name + ".current")
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    home, ring = _keys(work)
    corpus = fh.seeds()
    started = time.monotonic()
    number = int(data["next"])
    internal: list[object] = data["internal"]
    hung = {entry["mutant"] for entry in data["hangs"]}
    while number < args.until:
        if number in hung:  # it killed an earlier worker; the ones after it still run
            number += 1
            continue
        current.write_text(str(number), encoding="ascii")
        faulthandler.dump_traceback_later(args.timeout, exit=True)
        name, body = fh.mutant(corpus, args.seed, number)
        path = work / f"mutant{Path(name).suffix}"  # one file, overwritten by each mutant
        path.write_bytes(body)
        export = number % args.export_every == 0
        try:
            outcome = fh.check_mutant(path, home, ring if export else None)
            data[outcome] = int(data[outcome]) + 1
        except Exception as error:  # the finding: any other exception is an internal error
            frame = traceback.extract_tb(error.__traceback__)[-1]
            internal.append({"mutant": number, "error": type(error).__name__,
                             "where": f"{Path(frame.filename).name}:{frame.lineno}"})
            (crashes / f"{number}{path.suffix}").write_bytes(body)
        faulthandler.cancel_dump_traceback_later()
        data["exported"] = int(data["exported"]) + export
        number += 1
        if number % SAVE_EVERY == 0:
            started = _checkpoint(state, data, number, started)
    _checkpoint(state, data, number, started)
    return 0


def _checkpoint(state: Path, data: dict[str, object], number: int, started: float) -> float:
    """Save the counters with ``number`` as the next mutant; returns the new start of the clock."""
    data["next"] = number
    data["seconds"] = float(data["seconds"]) + time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data["peak_rss_mb"] = max(float(data["peak_rss_mb"]), peak)
    _save(state, data)
    return time.monotonic()


def _supervise(args: argparse.Namespace) -> int:
    state = Path(args.state)
    current = state.with_name(state.name + ".current")
    while True:
        data = _load(state)
        if int(data["next"]) >= args.until:
            break
        command = [sys.executable, __file__, "--worker", *sys.argv[1:]]
        log = state.with_name(state.name + ".log")
        with log.open("ab") as stderr:
            code = subprocess.run(command, stderr=stderr, check=False).returncode  # noqa: S603 - this script itself
        if code == 0:
            continue
        data = _load(state)  # the worker died: a hang (watchdog) or a crash of the interpreter
        stuck = int(current.read_text(encoding="ascii"))
        hangs: list[object] = data["hangs"]
        hangs.append({"mutant": stuck, "exit": code})
        _save(state, data)  # the next worker resumes at the last save and skips this mutant
        print(f"mutant {stuck}: worker ended with {code} (see {log})", file=sys.stderr)
    data = _load(state)
    internal: list[object] = data["internal"]
    hangs = data["hangs"]
    print(f"{data['next']} mutants (seed {args.seed}), {data['exported']} exported: {data['ok']} read, "
          f"{data['refused']} refused in one line, {len(internal)} internal errors, {len(hangs)} hangs; "
          f"{float(data['seconds']):.0f} s in the workers, peak memory {float(data['peak_rss_mb']):.0f} MB")
    return 1 if internal or hangs else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--state", required=True, help="the JSON file the counters are kept in (resumable)")
    parser.add_argument("--until", type=int, default=100_000, help="run mutants up to this number")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--export-every", type=int, default=4, help="export one mutant in N (all are read)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a mutant counts as hung")
    parser.add_argument("--memory-mb", type=int, default=3072, help="the worker's address-space cap")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return _worker(args) if args.worker else _supervise(args)


if __name__ == "__main__":
    sys.exit(main())
