"""Throughput of the per-value transforms' crypto on one core: FF1, HMAC-SHA256 and AES-SIV.

Usage: ``python bench/bench_fpe.py [--n 1000000] [--single-n 20000]``. One line per operator:
name, values, seconds, values/s. Goals from the issue: batched FF1 >= 1,000,000/s on 11-digit
values; HMAC-SHA256 and AES-SIV >= 400,000/s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def _timed(name: str, n: int, run: Callable[[], object], *, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print(f"{name:<34} n={n:>9,}  {best:8.3f} s  {n / best:>12,.0f} values/s")
    return best


def main(argv: list[str] | None = None) -> int:
    # Imported here, after the sys.path set-up above.
    from masking import crypto
    from masking._hazmat.siv import AesSiv
    from masking.fpe import FF1

    parser = argparse.ArgumentParser(description="Throughput of FF1, HMAC-SHA256 and AES-SIV.")
    parser.add_argument("--n", type=int, default=1_000_000, help="values for the batched operators")
    parser.add_argument("--single-n", type=int, default=20_000, help="values for per-value FF1")
    parser.add_argument("--repeat", type=int, default=1, help="report the best of this many runs")
    args = parser.parse_args(argv)
    n, single_n, repeat = args.n, args.single_n, args.repeat

    rng = random.Random(20240601)
    mobiles = [f"1{x:010d}" for x in rng.sample(range(10**10), n)]  # distinct 11-digit values
    meters = [f"{rng.randrange(10**22):022d}" for _ in range(n // 10)]
    master = os.urandom(32)
    ff1 = FF1(crypto.derive_key(master, "encrypt:ff1"), 10)
    tweak = b"scope:branch-0571"

    print(f"python {sys.version.split()[0]}, pid {os.getpid()}")
    sample = mobiles[:single_n]
    _timed("ff1 per-value encrypt (11 digits)", single_n, lambda: [ff1.encrypt(v, tweak) for v in sample])
    tokens: list[str] = []

    def encrypt_all() -> None:
        tokens[:] = ff1.encrypt_batch(mobiles, tweak)

    _timed("ff1 batched encrypt (11 digits)", n, encrypt_all, repeat=repeat)
    _timed("ff1 batched decrypt (11 digits)", n, lambda: ff1.decrypt_batch(tokens, tweak), repeat=repeat)
    if ff1.decrypt_batch(tokens[:1000], tweak) != mobiles[:1000] or tokens[:100] != [
        ff1.encrypt(v, tweak) for v in mobiles[:100]
    ]:
        print("FF1 batch and per-value results disagree", file=sys.stderr)
        return 1
    _timed("ff1 batched encrypt (22 digits)", len(meters), lambda: ff1.encrypt_batch(meters, tweak), repeat=repeat)

    raw = [v.encode("ascii") for v in mobiles]
    mac = crypto.HmacSha256(crypto.derive_key(master, "hash"))
    _timed("hmac-sha256 (keyed state copy)", n, lambda: mac.digest_many(raw), repeat=repeat)

    siv = AesSiv(crypto.derive_key(master, "encrypt:siv", 64))
    _timed("aes-siv-256 encrypt (11 bytes)", n, lambda: siv.encrypt_many(raw, b"col:phone"), repeat=repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
