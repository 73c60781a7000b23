"""The whole real-world corpus (shared/realworld, 621 files by other programs) through scan, export and
the row-by-row comparison of tests/realworld.py; prints the figures for bench/README.md.

    .venv/bin/python bench/realworld.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import realworld  # noqa: E402 - after the path set-up above

from masking.cli.main import run  # noqa: E402
from masking.workspace import Workspace  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=realworld.corpus_folder())
    args = parser.parse_args()
    if args.corpus is None:
        parser.error("shared/realworld not found: give --corpus")
    names = realworld.corpus_files(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="realworld-"))
    home = work / "home"
    home.mkdir()
    run(["--home", str(home), "keys", "init", "--no-passphrase"])
    ring, _ = Workspace(home).keystore.open_or_create("")
    totals: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    problems: list[str] = []
    started = time.monotonic()
    for name in names:
        out = work / "out"
        out.mkdir(exist_ok=True)
        try:
            outcome = realworld.check_file(args.corpus, name, home, ring, out)
        except Exception as error:  # an internal error: the figure that must stay 0
            totals["internal_errors"] += 1
            problems.append(f"{name}: internal error {type(error).__name__}")
            continue
        if outcome.refused is not None:
            totals["refused"] += 1
            refusals[outcome.refused.split(": ", 1)[-1].split(" (")[0][:60]] += 1
            continue
        totals["exported"] += 1
        totals["sheets"] += outcome.sheets
        totals["rows_in"] += outcome.rows_in
        totals["rows_out"] += outcome.rows_out
        totals["title_rows_reported"] += outcome.titles_reported
        totals["files_losing_rows"] += bool(outcome.lost)
        totals["changed_cells"] += outcome.changed_cells
        problems.extend(f"{name}: {line}" for line in outcome.lost)
    seconds = time.monotonic() - started
    print(f"{len(names)} files in {seconds:.0f} s: {totals['exported']} exported ({totals['sheets']} sheets, "
          f"{totals['rows_in']} non-blank rows in, {totals['rows_out']} header and data rows out, "
          f"{totals['title_rows_reported']} title rows reported), {totals['refused']} refused in one line, "
          f"{totals['internal_errors']} internal errors, {totals['files_losing_rows']} files losing rows "
          f"without a report, {totals['changed_cells']} kept cells changed")
    for reason, count in refusals.most_common():
        print(f"  refused {count:3d}: {reason}")
    for line in problems:
        print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
