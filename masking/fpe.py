"""FF1 format-preserving encryption (NIST SP 800-38G, Rev. 1), single values and whole columns.

One class, :class:`FF1`. ``encrypt``/``decrypt`` handle one value; ``encrypt_batch``/``decrypt_batch``
handle a column, and ``encrypt_values``/``decrypt_values`` a column given as the numeral strings'
values (no string written either way). All run the same algorithm; the batch forms only change *how*
it is computed:

* For a fixed length and tweak, everything the round function feeds to AES before the last block
  (``P`` and the tweak part of ``Q``) is the same for every value, so its CBC-MAC state is computed
  once. What varies (the round number and ``NUM(B)``) then fits in one block whenever ``b <= 15``,
  and the round function of the whole column is a single AES-ECB call over ``len(column)`` blocks.
* When ``radix ** v < 2**48`` (radix 10 up to 28 digits, radix 36 up to 18 characters) the halves and
  the round arithmetic fit in ``uint64`` and run vectorised in numpy. Longer values use the same
  batched AES with Python integers.

The tests hold the batch and the single-value forms to identical output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from masking.crypto import BlockFunction

__all__ = ["ALPHABET", "FF1", "MAX_LEN", "MIN_DOMAIN"]

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MIN_DOMAIN = 1_000_000  # SP 800-38G Rev. 1: radix ** minlen >= 1,000,000
MAX_LEN = 2**32 - 1  # FF1: maxlen < 2**32 (n is encoded in four bytes of P)
MAX_TWEAK = 2**32 - 1  # t is encoded in four bytes of P
ROUNDS = 10
_BLOCK = 16
_MASK128 = (1 << 128) - 1
_NUMPY_LIMIT = 2**48  # radix**v below this keeps every intermediate of the numpy path < 2**64
_VALUES_LIMIT = 2**63  # radix**n below this: a value fits uint64 and radix**v stays below _NUMPY_LIMIT
_CHUNK = 1 << 16  # values per numpy pass: keeps the working set in cache
_INT_STR_CHUNK = 1000  # stay far below Python's int/str conversion digit limit
_INVALID = 255
_LAYOUT_CACHE = 64

U64 = npt.NDArray[np.uint64]
EcbFunction = Callable[[bytes], bytes]


@dataclass(frozen=True)
class _Layout:
    """What FF1 fixes for one (length, tweak): the split, the byte sizes and the shared CBC prefix."""

    n: int
    u: int
    v: int
    b: int
    d: int
    # CBC-MAC state after the constant leading blocks of P || Q.
    state: int
    # The constant bytes that share the last block(s) with [i] || NUM(B), as an integer.
    head: int
    tail_blocks: int

    def tail_prefix(self, round_index: int) -> int:
        """The tail of P || Q with ``NUM(B)`` left as zeros: head || [i] || 0^b."""
        return ((self.head << 8) | round_index) << (8 * self.b)


class FF1:
    """FF1 under one AES key (16, 24 or 32 bytes) over the numerals of one radix (2..36)."""

    def __init__(self, key: bytes, radix: int = 10) -> None:
        if not isinstance(radix, int) or isinstance(radix, bool) or not 2 <= radix <= len(ALPHABET):
            raise ValueError(f"radix must be an integer from 2 to {len(ALPHABET)}")
        self._aes = BlockFunction(key)
        self._radix = radix
        self._alphabet = ALPHABET[:radix]
        self._alphabet_bytes = np.frombuffer(self._alphabet.encode("ascii"), dtype=np.uint8)
        lookup = np.full(256, _INVALID, dtype=np.uint8)
        lookup[self._alphabet_bytes] = np.arange(radix, dtype=np.uint8)
        self._lookup = lookup
        # Smallest length whose domain reaches MIN_DOMAIN.
        min_len = 2
        while radix**min_len < MIN_DOMAIN:
            min_len += 1
        self._min_len = min_len
        # Per-instance memo of the per-(length, tweak) prefix; a column reuses one or two entries.
        # Racing threads at worst compute an entry twice: layouts are immutable and deterministic.
        self._layouts: dict[tuple[int, bytes], _Layout] = {}

    @property
    def radix(self) -> int:
        return self._radix

    @property
    def min_length(self) -> int:
        """Shortest value this radix may encrypt (radix ** length >= 1,000,000)."""
        return self._min_len

    # --- public API -----------------------------------------------------------------------------

    def encrypt(self, numerals: str, tweak: bytes = b"") -> str:
        """Encrypt one numeral string; the result has the same length and alphabet."""
        return self._one(numerals, tweak, decrypt=False)

    def decrypt(self, numerals: str, tweak: bytes = b"") -> str:
        """Invert :meth:`encrypt` under the same key and tweak."""
        return self._one(numerals, tweak, decrypt=True)

    def encrypt_batch(self, numerals: Sequence[str], tweak: bytes = b"") -> list[str]:
        """Encrypt a column under one tweak; equal to ``[encrypt(x, tweak) for x in numerals]``."""
        return self._many(numerals, tweak, decrypt=False)

    def decrypt_batch(self, numerals: Sequence[str], tweak: bytes = b"") -> list[str]:
        """Invert :meth:`encrypt_batch`; equal to ``[decrypt(x, tweak) for x in numerals]``."""
        return self._many(numerals, tweak, decrypt=True)

    def encrypt_values(self, values: U64, length: int, tweak: bytes = b"") -> U64:
        """:meth:`encrypt_batch` of numeral strings of ``length`` given by their values (``NUM_radix``),
        results likewise: no numeral string is written (``radix ** length`` below 2**63)."""
        return self._many_values(values, length, tweak, decrypt=False)

    def decrypt_values(self, values: U64, length: int, tweak: bytes = b"") -> U64:
        """Invert :meth:`encrypt_values`."""
        return self._many_values(values, length, tweak, decrypt=True)

    # --- checks ---------------------------------------------------------------------------------

    def _check_tweak(self, tweak: object) -> bytes:
        if not isinstance(tweak, bytes):
            raise TypeError("tweak must be bytes")
        if len(tweak) > MAX_TWEAK:
            raise ValueError("tweak is longer than FF1 allows")
        return tweak

    def _check_length(self, n: int) -> None:
        if n < self._min_len:
            raise ValueError(
                f"FF1 needs radix ** length >= {MIN_DOMAIN:,} (NIST SP 800-38G); "
                f"radix {self._radix} needs at least {self._min_len} numerals, got {n}"
            )
        if n > MAX_LEN:
            raise ValueError("value is longer than FF1 allows (2**32 - 1 numerals)")

    def _check_numerals(self, value: object) -> str:
        if not isinstance(value, str):
            raise TypeError("numerals must be str")
        # strip() removes alphabet characters from both ends; anything left is outside the alphabet.
        if value.strip(self._alphabet):
            raise ValueError(f"numerals must use only the first {self._radix} characters of {ALPHABET!r}")
        return value

    # --- shared set-up --------------------------------------------------------------------------

    def _layout(self, n: int, tweak: bytes) -> _Layout:
        key = (n, tweak)
        layout = self._layouts.get(key)
        if layout is None:
            if len(self._layouts) >= _LAYOUT_CACHE:
                self._layouts.clear()
            layout = self._layouts[key] = self._new_layout(n, tweak)
        return layout

    def _new_layout(self, n: int, tweak: bytes) -> _Layout:
        radix = self._radix
        t = len(tweak)
        u = n // 2
        v = n - u
        # b = ceil(ceil(v * log2(radix)) / 8), computed exactly: ceil(log2(x)) == (x - 1).bit_length().
        b = ((radix**v - 1).bit_length() + 7) // 8
        d = 4 * ((b + 3) // 4) + 4
        p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big")
        p += t.to_bytes(4, "big")
        pad = (-t - b - 1) % _BLOCK
        fixed = p + tweak + bytes(pad)  # everything before [i] || NUM(B)
        split = len(fixed) // _BLOCK * _BLOCK
        state = int.from_bytes(self._aes.prf(fixed[:split]), "big")
        tail_len = len(fixed) - split + 1 + b
        return _Layout(
            n=n,
            u=u,
            v=v,
            b=b,
            d=d,
            state=state,
            head=int.from_bytes(fixed[split:], "big"),
            tail_blocks=tail_len // _BLOCK,
        )

    # --- one value ------------------------------------------------------------------------------

    def _one(self, numerals: str, tweak: bytes, *, decrypt: bool) -> str:
        value = self._check_numerals(numerals)
        self._check_length(len(value))
        layout = self._layout(len(value), self._check_tweak(tweak))
        radix = self._radix
        u = layout.u
        a = _numerals_to_int(value[:u], radix)
        b = _numerals_to_int(value[u:], radix)
        ecb = self._aes.ecb_stream()
        if layout.tail_blocks == 1 and layout.d <= _BLOCK:
            a, b = self._rounds_one_block(layout, a, b, ecb, decrypt=decrypt)
        else:
            a_list, b_list = self._rounds_int(layout, [a], [b], ecb, decrypt=decrypt)
            a, b = a_list[0], b_list[0]
        return _int_to_numerals(a, radix, u, self._alphabet) + _int_to_numerals(b, radix, layout.v, self._alphabet)

    def _rounds_one_block(self, layout: _Layout, a: int, b: int, ecb: EcbFunction, *, decrypt: bool) -> tuple[int, int]:
        """The common short case without list plumbing: R = CIPH(state xor tail), y = first d bytes."""
        radix = self._radix
        modulus = (radix**layout.u, radix**layout.v)
        drop = 8 * (_BLOCK - layout.d)
        state = layout.state
        for i in reversed(range(ROUNDS)) if decrypt else range(ROUNDS):
            m = modulus[i % 2]
            base = state ^ layout.tail_prefix(i)
            if decrypt:
                r = ecb((base ^ a).to_bytes(_BLOCK, "big"))
                a, b = (b - (int.from_bytes(r, "big") >> drop)) % m, a
            else:
                r = ecb((base ^ b).to_bytes(_BLOCK, "big"))
                a, b = b, (a + (int.from_bytes(r, "big") >> drop)) % m
        return a, b

    # --- many values ----------------------------------------------------------------------------

    def _many(self, numerals: Sequence[str], tweak: bytes, *, decrypt: bool) -> list[str]:
        tweak = self._check_tweak(tweak)
        values = list(numerals)  # non-str items fail in the join or the per-value check
        if not values:
            return []
        groups: dict[int, list[int]] = {}
        lengths = set(map(len, values))
        if len(lengths) == 1:
            groups[lengths.pop()] = []  # one length: the whole column, no index bookkeeping
        else:
            for index, value in enumerate(values):
                groups.setdefault(len(value), []).append(index)
        for n in groups:
            self._check_length(n)
        result: list[str] = [""] * len(values)
        ecb = self._aes.ecb_stream()
        for n, indices in groups.items():
            group = values if len(groups) == 1 else [values[i] for i in indices]
            layout = self._layout(n, tweak)
            if self._radix**layout.v < _NUMPY_LIMIT:
                out: list[str] = []
                for start in range(0, len(group), _CHUNK):
                    out += self._numpy_chunk(layout, group[start : start + _CHUNK], ecb, decrypt=decrypt)
            else:
                out = self._python_group(layout, group, ecb, decrypt=decrypt)
            if len(groups) == 1:
                return out
            for index, text in zip(indices, out, strict=True):
                result[index] = text
        return result

    def _python_group(self, layout: _Layout, group: list[str], ecb: EcbFunction, *, decrypt: bool) -> list[str]:
        radix, u, v, alphabet = self._radix, layout.u, layout.v, self._alphabet
        for value in group:
            self._check_numerals(value)
        a = [_numerals_to_int(value[:u], radix) for value in group]
        b = [_numerals_to_int(value[u:], radix) for value in group]
        a, b = self._rounds_int(layout, a, b, ecb, decrypt=decrypt)
        return [
            _int_to_numerals(x, radix, u, alphabet) + _int_to_numerals(y, radix, v, alphabet)
            for x, y in zip(a, b, strict=True)
        ]

    # --- round loop on Python integers (any length) ---------------------------------------------

    def _rounds_int(
        self, layout: _Layout, a: list[int], b: list[int], ecb: EcbFunction, *, decrypt: bool
    ) -> tuple[list[int], list[int]]:
        radix = self._radix
        modulus = (radix**layout.u, radix**layout.v)
        for i in reversed(range(ROUNDS)) if decrypt else range(ROUNDS):
            m = modulus[i % 2]
            if decrypt:
                y = self._round_values(layout, i, a, ecb)
                a, b = [(x - s) % m for x, s in zip(b, y, strict=True)], a
            else:
                y = self._round_values(layout, i, b, ecb)
                a, b = b, [(x + s) % m for x, s in zip(a, y, strict=True)]
        return a, b

    def _round_values(self, layout: _Layout, i: int, halves: list[int], ecb: EcbFunction) -> list[int]:
        """y = NUM(S) for every half: steps 6.ii-6.iv of FF1, one AES call per block position."""
        prefix = layout.tail_prefix(i)
        tails = [prefix | half for half in halves]
        state = [layout.state] * len(tails)
        for j in reversed(range(layout.tail_blocks)):
            shift = 128 * j
            blocks = b"".join(
                (((tail >> shift) & _MASK128) ^ s).to_bytes(_BLOCK, "big") for tail, s in zip(tails, state, strict=True)
            )
            state = _split_blocks(ecb(blocks))
        extra = (layout.d + _BLOCK - 1) // _BLOCK - 1
        if not extra:
            drop = 8 * (_BLOCK - layout.d)
            return [r >> drop for r in state]
        # S = R || CIPH(R xor [1]) || ... ; take its first d bytes.
        blocks = b"".join((r ^ j).to_bytes(_BLOCK, "big") for r in state for j in range(1, extra + 1))
        more = _split_blocks(ecb(blocks))
        drop = 8 * (_BLOCK * (extra + 1) - layout.d)
        out = []
        for k, r in enumerate(state):
            s = r
            for block in more[k * extra : (k + 1) * extra]:
                s = (s << 128) | block
            out.append(s >> drop)
        return out

    # --- numpy path (radix ** v < 2**48) --------------------------------------------------------

    def _numpy_chunk(self, layout: _Layout, group: Sequence[str], ecb: EcbFunction, *, decrypt: bool) -> list[str]:
        radix, n, u = self._radix, layout.n, layout.u
        count = len(group)
        try:
            raw = "".join(group).encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"numerals must use only the first {radix} characters of {ALPHABET!r}") from None
        digits = self._lookup[np.frombuffer(raw, dtype=np.uint8)].reshape(count, n)
        if (digits == _INVALID).any():
            raise ValueError(f"numerals must use only the first {radix} characters of {ALPHABET!r}")
        a = _digits_to_u64(digits[:, :u], radix)
        b = _digits_to_u64(digits[:, u:], radix)
        a, b = self._rounds_numpy(layout, a, b, ecb, decrypt=decrypt)
        out = np.empty((count, n + 1), dtype=np.uint8)
        out[:, :u] = self._alphabet_bytes[_u64_to_digits(a, radix, u)]
        out[:, u:n] = self._alphabet_bytes[_u64_to_digits(b, radix, layout.v)]
        out[:, n] = ord("\n")
        texts = out.tobytes().decode("ascii").split("\n")
        texts.pop()
        return texts

    def _many_values(self, values: U64, length: int, tweak: bytes, *, decrypt: bool) -> U64:
        """:meth:`_many` on the values of the numeral strings: A and B are the quotient and remainder
        of each value by ``radix ** v``, and the result is ``A * radix ** v + B``."""
        tweak = self._check_tweak(tweak)
        self._check_length(length)
        if self._radix**length >= _VALUES_LIMIT:
            raise ValueError("numeral values need radix ** length below 2**63")
        values = np.asarray(values, dtype=np.uint64)
        if values.size and int(values.max()) >= self._radix**length:
            raise ValueError(f"a value has more than {length} numerals")
        layout = self._layout(length, tweak)
        split = np.uint64(self._radix**layout.v)
        ecb = self._aes.ecb_stream()
        out = np.empty_like(values)
        for start in range(0, len(values), _CHUNK):
            a, b = np.divmod(values[start : start + _CHUNK], split)
            a, b = self._rounds_numpy(layout, a, b, ecb, decrypt=decrypt)
            out[start : start + _CHUNK] = a * split + b
        return out

    def _rounds_numpy(self, layout: _Layout, a: U64, b: U64, ecb: EcbFunction, *, decrypt: bool) -> tuple[U64, U64]:
        """The ten rounds on the halves of a chunk (``radix ** v < 2**48``)."""
        radix = self._radix
        modulus = (np.uint64(radix**layout.u), np.uint64(radix**layout.v))
        for i in reversed(range(ROUNDS)) if decrypt else range(ROUNDS):
            m = modulus[i % 2]
            if decrypt:
                y = self._round_numpy(layout, i, a, m, ecb)
                a, b = (b + (m - y)) % m, a
            else:
                y = self._round_numpy(layout, i, b, m, ecb)
                a, b = b, (a + y) % m
        return a, b

    def _round_numpy(self, layout: _Layout, i: int, half: U64, m: np.uint64, ecb: EcbFunction) -> U64:
        """y mod m for a whole chunk; one AES-ECB call (single tail block, d in {8, 12})."""
        block = layout.state ^ layout.tail_prefix(i)
        count = half.shape[0]
        # Big-endian words: NUM(B) (< 2**48) lies in the low word's low bytes.
        words = np.empty((count, 2), dtype=">u8")
        words[:, 0] = block >> 64
        words[:, 1] = half ^ np.uint64(block & 0xFFFF_FFFF_FFFF_FFFF)
        r = np.frombuffer(ecb(words.tobytes()), dtype=">u8").reshape(count, 2)
        y = r[:, 0].astype(np.uint64) % m
        if layout.d == 12:
            # Fold the next four bytes in 16 bits at a time; y < m < 2**48 keeps y << 16 below 2**64.
            extra = r[:, 1].astype(np.uint64) >> np.uint64(32)
            y = ((y << np.uint64(16)) | (extra >> np.uint64(16))) % m
            y = ((y << np.uint64(16)) | (extra & np.uint64(0xFFFF))) % m
        return y


# --- conversions --------------------------------------------------------------------------------


def _split_blocks(data: bytes) -> list[int]:
    return [int.from_bytes(data[k : k + _BLOCK], "big") for k in range(0, len(data), _BLOCK)]


def _numerals_to_int(text: str, radix: int) -> int:
    """NUM_radix(X) for text already checked against the alphabet (empty text is 0)."""
    if len(text) <= _INT_STR_CHUNK:
        return int(text, radix) if text else 0
    value = 0
    for start in range(0, len(text), _INT_STR_CHUNK):
        chunk = text[start : start + _INT_STR_CHUNK]
        value = value * radix ** len(chunk) + int(chunk, radix)
    return value


def _int_to_numerals(value: int, radix: int, width: int, alphabet: str) -> str:
    """STR^width_radix(value), most significant numeral first."""
    if radix == 10 and width <= _INT_STR_CHUNK:
        return f"{value:0{width}d}"
    if width > _INT_STR_CHUNK:
        low_width = width // 2
        high, low = divmod(value, radix**low_width)
        return _int_to_numerals(high, radix, width - low_width, alphabet) + _int_to_numerals(
            low, radix, low_width, alphabet
        )
    out = []
    for _ in range(width):
        value, digit = divmod(value, radix)
        out.append(alphabet[digit])
    return "".join(reversed(out))


def _digits_to_u64(digits: npt.NDArray[np.uint8], radix: int) -> U64:
    acc = np.zeros(digits.shape[0], dtype=np.uint64)
    r = np.uint64(radix)
    for column in range(digits.shape[1]):
        acc *= r
        acc += digits[:, column]
    return acc


def _u64_to_digits(values: U64, radix: int, width: int) -> npt.NDArray[np.uint8]:
    out = np.empty((values.shape[0], width), dtype=np.uint8)
    r = np.uint64(radix)
    rest = values
    for column in reversed(range(width)):
        rest, digit = np.divmod(rest, r)
        out[:, column] = digit
    return out
