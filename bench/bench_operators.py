"""Throughput of the operators on one core, one line each: name, values, seconds, values/s.

Usage: ``python bench/bench_operators.py [--n 1000000] [--repeat 1]``. Each operator transforms one
column of ``--n`` values in one ``apply_batch`` call (the pipeline uses smaller chunks; per-chunk
set-up is a few FF1 layouts and HKDF derivations). Goals from the issue: batched FF1 on 11-digit
values >= 1,000,000/s (see also bench_fpe.py); HMAC and AES-SIV operators >= 400,000/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def _timed(name: str, values: Sequence[object], run: Callable[[Sequence[object]], object], repeat: int) -> None:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(values)
        best = min(best, time.perf_counter() - start)
    n = len(values)
    print(f"{name:<34} n={n:>9,}  {best:8.3f} s  {n / best:>12,.0f} values/s", flush=True)


def main(argv: list[str] | None = None) -> int:
    from masking.checksums import gs1_check_digit, id_check_char
    from masking.crypto import derive_key
    from masking.fpe import FF1
    from masking.kinds import Kind
    from masking.numbering import mobile_prefixes
    from masking.operators import KeyMaterial, OperatorContext, get_operator
    from masking.regions import residence_regions

    parser = argparse.ArgumentParser(description="Throughput of the ExportGuard operators.")
    parser.add_argument("--n", type=int, default=1_000_000, help="values per operator")
    parser.add_argument("--repeat", type=int, default=1, help="report the best of this many runs")
    args = parser.parse_args(argv)
    n, repeat = args.n, args.repeat

    rng = random.Random(20261129)
    prefixes = [p.prefix for p in mobile_prefixes()]
    mobiles = [f"{rng.choice(prefixes)}{rng.randrange(10**8):08d}" for _ in range(n)]
    units = [f"{rng.randrange(10000, 99999):05d}01" for _ in range(20)]  # a few unit codes, as in real files
    meters = []
    for _ in range(n):
        payload = f"{rng.choice(units)}{rng.randrange(10**14):014d}"
        meters.append(payload + gs1_check_digit(payload))
    regions = [r.code for r in residence_regions()][:300]
    first = dt.date(1940, 1, 1).toordinal()
    ids = []
    for _ in range(n):
        born = dt.date.fromordinal(first + rng.randrange(25000))
        first17 = f"{rng.choice(regions)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        ids.append(first17 + id_check_char(first17))
    accounts = [f"{rng.randrange(1, 10)}{rng.randrange(10**9):09d}" for _ in range(n)]
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜秀英敏静丽强磊军洋勇艳杰"
    names = [rng.choice(surnames) + "".join(rng.choices(given, k=2)) for _ in range(n)]
    dates = [dt.date.fromordinal(first + rng.randrange(30000)) for _ in range(n)]

    keys = KeyMaterial.from_master(_Master(os.urandom(32)))
    ctx = OperatorContext("recipient:bench", keys)

    def op(action: str, kind: Kind | None) -> Callable[[Sequence[object]], object]:
        operator = get_operator(action, kind)
        return lambda values: operator.apply_batch(values, ctx)  # type: ignore[arg-type]

    print(f"python {sys.version.split()[0]}, pid {os.getpid()}, {os.cpu_count()} cpus (one used)")
    ff1 = FF1(derive_key(os.urandom(32), "bench"))
    _timed("ff1 encrypt_batch (11 digits)", mobiles, lambda v: ff1.encrypt_batch(v, b"t"), repeat)  # type: ignore[arg-type]
    _timed("pseudonymize phone (mobile)", mobiles, op("pseudonymize", Kind.PHONE), repeat)
    _timed("pseudonymize meter_id", meters, op("pseudonymize", Kind.METER_ID), repeat)
    _timed("pseudonymize id_number", ids, op("pseudonymize", Kind.ID_NUMBER), repeat)
    _timed("encrypt phone (mobile, FF1)", mobiles, op("encrypt", Kind.PHONE), repeat)
    _timed("hash phone (HMAC-SHA256)", mobiles, op("hash", Kind.PHONE), repeat)
    _timed("hash person_name (HMAC-SHA256)", names, op("hash", Kind.PERSON_NAME), repeat)
    _timed("encrypt person_name (AES-SIV)", names, op("encrypt", Kind.PERSON_NAME), repeat)
    _timed("pseudonymize person_name (HMAC)", names, op("pseudonymize", Kind.PERSON_NAME), repeat)
    _timed("mask phone (mobile)", mobiles, op("mask", Kind.PHONE), repeat)
    _timed("mask id_number", ids, op("mask", Kind.ID_NUMBER), repeat)
    _timed("pseudonymize account_no", accounts, op("pseudonymize", Kind.ACCOUNT_NO), repeat)
    _timed("generalize date (month)", dates, op("generalize", None), repeat)
    return 0


class _Master:
    """A stand-in for keys.MasterKey so the bench needs no keystore."""

    def __init__(self, secret: bytes) -> None:
        self.key_id = "KBENCH"
        self._secret = secret

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        from masking.crypto import derive_key

        return derive_key(self._secret, f"exportguard/{purpose}/v1", length)


if __name__ == "__main__":
    raise SystemExit(main())
