"""The mutation fuzzer (tests/fuzz_harness.py) on a fixed budget, and every crash it ever found.

A mutant that raises anything but an ``ExportGuardError`` is an internal error (exit 1 at the CLI):
the test fails and names the mutant's number, which rebuilds it (``fuzz_harness.mutant``). The long
soak is bench/soak_fuzz.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz_harness import check_mutant, mutant, seeds

from masking.cli.main import run
from masking.keys import KeyRing
from masking.workspace import Workspace

SEED = 19
BUDGET = 300  # mutants read, scanned and (one in EXPORT_EVERY) exported: ~15-25 s here
EXPORT_EVERY = 6
REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, KeyRing]]:
    home = tmp_path_factory.mktemp("fuzz_home")
    assert run(["--home", str(home), "keys", "init", "--no-passphrase"]) == 0
    ring, _ = Workspace(home).keystore.open_or_create("")
    yield home, ring


def test_mutants_are_read_or_refused(keys: tuple[Path, KeyRing], tmp_path: Path) -> None:
    home, ring = keys
    corpus = seeds()
    outcomes: Counter[str] = Counter()
    for number in range(BUDGET):
        name, body = mutant(corpus, SEED, number)
        path = tmp_path / f"mutant{Path(name).suffix}"
        path.write_bytes(body)
        try:
            outcomes[check_mutant(path, home, ring if number % EXPORT_EVERY == 0 else None)] += 1
        except Exception as error:
            pytest.fail(f"mutant {number} (seed {SEED}, from {name}): internal error {type(error).__name__}")
    # the mutations are neither too gentle nor too destructive to test anything
    assert outcomes["ok"] > BUDGET // 5 and outcomes["refused"] > BUDGET // 5


@pytest.mark.parametrize("path", sorted(REGRESSIONS.iterdir()), ids=lambda p: p.name)
def test_crashes_found_by_fuzzing_stay_fixed(path: Path, keys: tuple[Path, KeyRing], tmp_path: Path) -> None:
    home, ring = keys
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    assert check_mutant(copy, home, ring) in ("ok", "refused")
