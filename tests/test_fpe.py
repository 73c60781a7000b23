"""FF1 (masking.fpe): NIST samples, refusals, and the laws that batch and single-value forms share."""

from __future__ import annotations

import math
import random
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masking._hazmat.aes import AesPrf
from masking.fpe import ALPHABET, FF1, MAX_LEN

KEY_128 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
KEY_192 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F")
KEY_256 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94")
TWEAK_NONE = b""
TWEAK_10 = bytes.fromhex("39383736353433323130")
TWEAK_11 = bytes.fromhex("3737373770717273373737")


class Sample(NamedTuple):
    number: int
    key: bytes
    radix: int
    tweak: bytes
    plaintext: str
    ciphertext: str


# NIST SP 800-38G FF1 samples 1-9 (csrc.nist.gov, "FF1samples.pdf").
NIST_SAMPLES = [
    Sample(1, KEY_128, 10, TWEAK_NONE, "0123456789", "2433477484"),
    Sample(2, KEY_128, 10, TWEAK_10, "0123456789", "6124200773"),
    Sample(3, KEY_128, 36, TWEAK_11, "0123456789abcdefghi", "a9tv40mll9kdu509eum"),
    Sample(4, KEY_192, 10, TWEAK_NONE, "0123456789", "2830668132"),
    Sample(5, KEY_192, 10, TWEAK_10, "0123456789", "2496655549"),
    Sample(6, KEY_192, 36, TWEAK_11, "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"),
    Sample(7, KEY_256, 10, TWEAK_NONE, "0123456789", "6657667009"),
    Sample(8, KEY_256, 10, TWEAK_10, "0123456789", "1001623463"),
    Sample(9, KEY_256, 36, TWEAK_11, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"),
]

KEY = bytes(range(32))
# Deadlines off: the machine is shared, and timing is the benchmark's job, not the tests'.
PROPERTY = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize("sample", NIST_SAMPLES, ids=lambda sample: f"sample-{sample.number}")
def test_nist_sample(sample: Sample) -> None:
    cipher = FF1(sample.key, sample.radix)
    assert cipher.encrypt(sample.plaintext, sample.tweak) == sample.ciphertext
    assert cipher.decrypt(sample.ciphertext, sample.tweak) == sample.plaintext
    pair = [sample.plaintext, sample.plaintext]
    assert cipher.encrypt_batch(pair, sample.tweak) == [sample.ciphertext, sample.ciphertext]
    assert cipher.decrypt_batch([sample.ciphertext], sample.tweak) == [sample.plaintext]


@pytest.mark.parametrize(("radix", "too_short", "shortest"), [(10, 5, 6), (36, 3, 4), (2, 19, 20), (16, 4, 5)])
def test_domain_below_a_million_is_refused(radix: int, too_short: int, shortest: int) -> None:
    cipher = FF1(KEY, radix)
    assert cipher.min_length == shortest
    with pytest.raises(ValueError, match=r"radix \*\* length >= 1,000,000"):
        cipher.encrypt("1" * too_short)
    with pytest.raises(ValueError, match=r"radix \*\* length >= 1,000,000"):
        cipher.decrypt_batch(["1" * shortest, "1" * too_short])
    assert len(cipher.encrypt("1" * shortest)) == shortest


def test_empty_value_is_refused() -> None:
    with pytest.raises(ValueError, match="1,000,000"):
        FF1(KEY).encrypt("")


def test_length_above_standard_maxlen_is_refused() -> None:
    assert MAX_LEN == 2**32 - 1
    cipher = FF1(KEY)
    with pytest.raises(ValueError, match="longer than FF1 allows"):
        cipher._check_length(2**32)
    cipher._check_length(2**32 - 1)


@pytest.mark.parametrize("size", [0, 8, 15, 17, 20, 31, 33, 64])
def test_invalid_key_size(size: int) -> None:
    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        FF1(bytes(size))


def test_key_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        FF1("2B7E151628AED2A6ABF7158809CF4F3C")  # type: ignore[arg-type]


@pytest.mark.parametrize("radix", [0, 1, 37, 62, True])
def test_invalid_radix(radix: int) -> None:
    with pytest.raises(ValueError, match="radix"):
        FF1(KEY, radix)


@pytest.mark.parametrize(
    ("radix", "value"),
    [
        (10, "1380013800a"),
        (10, "1380013800 "),
        (10, "+3800138000"),
        (10, "1380_013800"),
        (10, "１３８００１３８０００"),  # full-width digits: int() would accept them
        (10, "١٣٨٠٠١٣٨٠٠٠"),  # Arabic-Indic digits, likewise
        (36, "ABCDEFGH"),  # upper case is not in the alphabet
        (16, "0123456789g"),
        (2, "0101010101010101010102"),
    ],
)
def test_invalid_numerals(radix: int, value: str) -> None:
    cipher = FF1(KEY, radix)
    with pytest.raises(ValueError, match="first"):
        cipher.encrypt(value)
    with pytest.raises(ValueError, match="first"):
        cipher.decrypt(value)
    good = "1" * len(value)
    with pytest.raises(ValueError, match="first"):
        cipher.encrypt_batch([good, value, good])


def test_non_string_inputs() -> None:
    cipher = FF1(KEY)
    with pytest.raises(TypeError):
        cipher.encrypt(13800138000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cipher.encrypt_batch(["13800138000", b"13800138000"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        cipher.encrypt("13800138000", "scope")  # type: ignore[arg-type]


def test_empty_batch() -> None:
    assert FF1(KEY).encrypt_batch([]) == []


def test_tweak_separates() -> None:
    cipher = FF1(KEY)
    value = "13800138000"
    outputs = {cipher.encrypt(value, tweak) for tweak in (b"", b"branch-a", b"branch-b", b"\x00")}
    assert len(outputs) == 4
    token = cipher.encrypt(value, b"branch-a")
    assert cipher.decrypt(token, b"branch-b") != value
    assert cipher.decrypt(token, b"branch-a") == value
    assert cipher.encrypt_batch([value] * 3, b"branch-a") == [token] * 3


def test_key_separates() -> None:
    value = "13800138000"
    assert FF1(KEY[:16]).encrypt(value) != FF1(KEY[16:]).encrypt(value)
    assert FF1(KEY[:16]).encrypt(value) != FF1(KEY[:24]).encrypt(value)


def test_full_domain_is_a_permutation() -> None:
    """All 10**6 six-digit values map to 10**6 distinct six-digit values (a real bijection)."""
    cipher = FF1(KEY)
    every = [f"{x:06d}" for x in range(10**6)]
    tokens = cipher.encrypt_batch(every, b"perm")
    assert len(set(tokens)) == 10**6
    assert all(len(token) == 6 and token.isdigit() for token in tokens[:1000])
    assert cipher.decrypt_batch(tokens[::997], b"perm") == every[::997]
    sample = random.Random(7).sample(range(10**6), 50)
    assert [cipher.encrypt(every[i], b"perm") for i in sample] == [tokens[i] for i in sample]


def test_long_value_roundtrip_and_batch_agree() -> None:
    """Thousands of numerals: multi-block PRF input, d > 16, and chunked int conversion."""
    cipher = FF1(KEY, 10)
    rng = random.Random(3)
    values = ["".join(rng.choice("0123456789") for _ in range(n)) for n in (4999, 5000)]
    tokens = [cipher.encrypt(v, b"t" * 40) for v in values]
    assert cipher.encrypt_batch(values, b"t" * 40) == tokens
    assert [cipher.decrypt(t, b"t" * 40) for t in tokens] == values
    assert all(len(t) == len(v) and t.isdigit() for t, v in zip(tokens, values, strict=True))
    assert tokens[0][:2000] != values[0][:2000]


@st.composite
def columns(draw: st.DrawFn) -> tuple[int, list[str], bytes]:
    radix = draw(st.sampled_from([10, 36, 2, 16]))
    alphabet = ALPHABET[:radix]
    shortest = FF1(KEY, radix).min_length
    lengths = st.integers(min_value=max(6, shortest), max_value=30)
    mixed = draw(st.booleans())
    if mixed:
        values = draw(st.lists(lengths.flatmap(lambda n: st.text(alphabet, min_size=n, max_size=n)), max_size=12))
    else:
        n = draw(lengths)
        values = draw(st.lists(st.text(alphabet, min_size=n, max_size=n), min_size=1, max_size=12))
    tweak = draw(st.binary(max_size=40))
    return radix, values, tweak


@PROPERTY
@given(columns())
def test_batch_equals_single_and_roundtrips(column: tuple[int, list[str], bytes]) -> None:
    radix, values, tweak = column
    cipher = FF1(KEY, radix)
    single = [cipher.encrypt(v, tweak) for v in values]
    assert cipher.encrypt_batch(values, tweak) == single
    assert [cipher.decrypt(t, tweak) for t in single] == values
    assert cipher.decrypt_batch(single, tweak) == values
    allowed = set(ALPHABET[:radix])
    for value, token in zip(values, single, strict=True):
        assert len(token) == len(value)
        assert set(token) <= allowed


@PROPERTY
@given(st.integers(min_value=6, max_value=28), st.binary(max_size=24), st.integers(min_value=0, max_value=2**64))
def test_numpy_batch_matches_single_on_larger_columns(n: int, tweak: bytes, seed: int) -> None:
    """Columns longer than a few values, over every length the vectorised path takes in radix 10."""
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(300, n), dtype=np.uint8) + ord("0")
    values = [row.tobytes().decode("ascii") for row in digits]
    cipher = FF1(KEY[:24])
    tokens = cipher.encrypt_batch(values, tweak)
    picks = [0, 1, 150, 299]
    assert [tokens[i] for i in picks] == [cipher.encrypt(values[i], tweak) for i in picks]
    assert cipher.decrypt_batch(tokens, tweak) == values


def test_batch_spanning_chunks_keeps_order() -> None:
    cipher = FF1(KEY)
    values = [f"{13800000000 + 7919 * i:011d}" for i in range(70_001)]
    tokens = cipher.encrypt_batch(values)
    for i in (0, 65_535, 65_536, 70_000):
        assert tokens[i] == cipher.encrypt(values[i])
    assert cipher.decrypt_batch(tokens) == values


def reference_ff1_encrypt(key: bytes, radix: int, tweak: bytes, numerals: str) -> str:
    """SP 800-38G Algorithm 7 transcribed step by step, slow and plain, as an independent check."""
    aes = AesPrf(key)
    n, t = len(numerals), len(tweak)
    u = n // 2
    v = n - u
    a, b = numerals[:u], numerals[u:]
    b_bytes = math.ceil(math.ceil(v * math.log2(radix)) / 8)
    d = 4 * math.ceil(b_bytes / 4) + 4
    p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big") + t.to_bytes(4, "big")
    for i in range(10):
        q = tweak + bytes((-t - b_bytes - 1) % 16) + bytes([i]) + int(b, radix).to_bytes(b_bytes, "big")
        r = aes.prf(p + q)
        s = r + b"".join(
            aes.ecb(bytes(x ^ y for x, y in zip(r, j.to_bytes(16, "big"), strict=True)))
            for j in range(1, math.ceil(d / 16))
        )
        y = int.from_bytes(s[:d], "big")
        m = u if i % 2 == 0 else v
        c = (int(a, radix) + y) % radix**m
        digits = []
        for _ in range(m):
            c, digit = divmod(c, radix)
            digits.append(ALPHABET[digit])
        a, b = b, "".join(reversed(digits))
    return a + b


def test_reference_reproduces_nist_samples() -> None:
    for sample in NIST_SAMPLES:
        assert reference_ff1_encrypt(sample.key, sample.radix, sample.tweak, sample.plaintext) == sample.ciphertext


@PROPERTY
@given(
    st.sampled_from([(10, 6), (36, 4), (2, 20), (16, 5), (26, 5)]).flatmap(
        lambda spec: st.tuples(
            st.just(spec[0]), st.text(ALPHABET[: spec[0]], min_size=spec[1], max_size=max(spec[1], 64))
        )
    ),
    st.binary(max_size=40),
    st.sampled_from([KEY[:16], KEY[:24], KEY]),
)
def test_matches_reference_transcription(case: tuple[int, str], tweak: bytes, key: bytes) -> None:
    radix, value = case
    expected = reference_ff1_encrypt(key, radix, tweak, value)
    cipher = FF1(key, radix)
    assert cipher.encrypt(value, tweak) == expected
    assert cipher.encrypt_batch([value, value], tweak) == [expected, expected]


@pytest.mark.parametrize(
    ("radix", "n"),
    [(10, 18), (10, 19), (10, 28), (10, 29), (10, 38), (10, 100), (36, 12), (36, 13), (36, 60), (2, 300), (7, 90)],
)
def test_matches_reference_at_path_boundaries(radix: int, n: int) -> None:
    """Lengths on each side of the numpy limit, d > 16, and a tail spanning several AES blocks."""
    rng = random.Random(n * 100 + radix)
    values = ["".join(rng.choice(ALPHABET[:radix]) for _ in range(n)) for _ in range(3)]
    tweak = bytes(range(n % 23))
    expected = [reference_ff1_encrypt(KEY, radix, tweak, value) for value in values]
    cipher = FF1(KEY, radix)
    assert cipher.encrypt_batch(values, tweak) == expected
    assert [cipher.encrypt(value, tweak) for value in values] == expected
    assert cipher.decrypt_batch(expected, tweak) == values


def _value(text: str, radix: int) -> int:
    return int(text, radix)


@PROPERTY
@given(columns())
def test_values_equal_the_numeral_batch(column: tuple[int, list[str], bytes]) -> None:
    """encrypt_values on NUM_radix of each numeral string gives NUM_radix of encrypt_batch's result."""
    radix, values, tweak = column
    cipher = FF1(KEY, radix)
    for n in sorted({len(v) for v in values}):
        if radix**n >= 2**63:
            continue
        texts = [v for v in values if len(v) == n]
        numbers = np.array([_value(v, radix) for v in texts], dtype=np.uint64)
        tokens = cipher.encrypt_values(numbers, n, tweak)
        assert tokens.tolist() == [_value(t, radix) for t in cipher.encrypt_batch(texts, tweak)]
        assert cipher.decrypt_values(tokens, n, tweak).tolist() == numbers.tolist()


def test_values_at_the_edges_and_refusals() -> None:
    cipher = FF1(KEY)
    numbers = np.array([0, 1, 10**18 - 1, 123456789012345678], dtype=np.uint64)
    assert cipher.encrypt_values(numbers, 18).tolist() == [int(t) for t in cipher.encrypt_batch(
        [f"{int(x):018d}" for x in numbers])]
    assert cipher.encrypt_values(np.zeros(0, dtype=np.uint64), 18).size == 0
    with pytest.raises(ValueError, match="more than 6 numerals"):
        cipher.encrypt_values(np.array([10**6], dtype=np.uint64), 6)
    with pytest.raises(ValueError, match="2\\*\\*63"):
        cipher.encrypt_values(np.array([1], dtype=np.uint64), 19)
    with pytest.raises(ValueError, match="1,000,000"):
        cipher.encrypt_values(np.array([1], dtype=np.uint64), 5)
    spanning = np.arange(70_001, dtype=np.uint64) * np.uint64(7919) + np.uint64(13800000000)
    tokens = cipher.encrypt_values(spanning, 11)
    for i in (0, 65_535, 65_536, 70_000):
        assert int(tokens[i]) == int(cipher.encrypt(f"{int(spanning[i]):011d}"))
