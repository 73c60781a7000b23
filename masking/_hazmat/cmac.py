"""AES-CMAC (RFC 4493) over numpy: a whole list of messages at once, a block count at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from masking._hazmat import BLOCK, ZERO_BLOCK, require_aes_key

__all__ = ["Cmac64", "by_length", "cmac_blocks", "dbl"]

U8 = npt.NDArray[np.uint8]
Lengths = npt.NDArray[np.intp]
NEWLINE = 0x0A


def by_length(items: Sequence[Sized]) -> list[tuple[int, npt.NDArray[np.intp]]]:
    """The positions of ``items`` grouped by length (each group in order), shortest first."""
    lengths = np.fromiter(map(len, items), dtype=np.intp, count=len(items))
    order = np.argsort(lengths, kind="stable")
    ordered = lengths[order]
    starts = np.flatnonzero(np.diff(ordered)) + 1
    return [(int(lengths[group[0]]), group) for group in np.split(order, starts) if group.size]


def dbl(block: bytes) -> bytes:
    """Doubling in GF(2**128) (RFC 5297 / RFC 4493)."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value ^ 0x87) & ((1 << 128) - 1)
    return value.to_bytes(BLOCK, "big")


def _subkeys(ecb: Callable[[bytes], bytes]) -> U8:
    """CMAC's subkeys K1 and K2 (RFC 4493, section 2.3) as the two rows of an array."""
    subkey1 = dbl(ecb(ZERO_BLOCK))
    return np.frombuffer(subkey1 + dbl(subkey1), dtype=np.uint8).reshape(2, BLOCK)


def _mac_padded(ecb: Callable[[bytes], bytes], padded: U8, length: int, subkeys: U8) -> U8:
    """The CMAC tag of each row of ``padded``: messages of ``length`` bytes, zero-filled to the row
    width (whole blocks, at least one). A message that does not fill its last block gets the 10*
    padding and K2, one that does K1 (RFC 4493, section 2.4); ``padded`` is changed in place."""
    count, width = padded.shape
    if length < width:  # an empty message is a partial block too
        padded[:, length] = 0x80
    padded[:, width - BLOCK :] ^= subkeys[int(length < width)]
    return _chain(ecb, padded.reshape(count, width // BLOCK, BLOCK), [count] * (width // BLOCK))


def _mac_ragged(ecb: Callable[[bytes], bytes], padded: U8, lengths: Lengths, subkeys: U8) -> U8:
    """:func:`_mac_padded` for messages of several lengths: row i holds ``lengths[i]`` bytes of message
    from its start and anything after them; the rows come longest first (by block count)."""
    count, width = padded.shape
    blocks = np.maximum(1, -(-lengths // BLOCK))
    grid = padded.reshape(count, width // BLOCK, BLOCK)
    # at block j the rows still going are the first ones: those of more than j blocks
    going = np.searchsorted(-blocks, -np.arange(int(blocks[0]) + 1), side="left").tolist()
    for index in range(int(blocks[0])):  # the rows of index + 1 blocks: their last block, padded and keyed
        first, end = going[index + 1], going[index]
        last = grid[first:end, index]
        place = np.arange(BLOCK) - (lengths[first:end, None] - index * BLOCK)  # 0 just past the message
        last *= place < 0
        last |= (place == 0).astype(np.uint8) << 7  # the 10* padding
        last ^= subkeys[1]
        full = np.flatnonzero(place[:, -1] < 0)
        if full.size:
            last[full] ^= subkeys[0] ^ subkeys[1]
    return _chain(ecb, grid, going[:-1])


def _chain(ecb: Callable[[bytes], bytes], grid: U8, going: list[int]) -> U8:
    """CBC-MAC with a zero IV over the blocks of each row of ``grid`` (rows x blocks x 16), block j
    of only the first ``going[j]`` rows (the others have ended): the state after each row's last."""
    state = np.zeros((grid.shape[0], BLOCK), dtype=np.uint8)
    for index, rows in enumerate(going):
        chained = np.frombuffer(ecb((state[:rows] ^ grid[:rows, index]).tobytes()), dtype=np.uint8)
        state[:rows] = chained.reshape(rows, BLOCK)
    return state


def _blocks(length: int) -> int:
    return max(1, -(-length // BLOCK))


def _first_words(tags: U8) -> npt.NDArray[np.uint64]:
    """The first 8 bytes of each tag, read big-endian."""
    return np.ascontiguousarray(tags[:, :8]).view(">u8").ravel().astype(np.uint64)


def cmac_blocks(ecb: Callable[[bytes], bytes], messages: U8) -> U8:
    """AES-CMAC (RFC 4493) of each row of ``messages`` (rows of one length), one ECB call per block."""
    count, length = messages.shape
    padded = np.zeros((count, _blocks(length) * BLOCK), dtype=np.uint8)
    padded[:, :length] = messages
    return _mac_padded(ecb, padded, length, _subkeys(ecb))


class Cmac64:
    """Keyed 64-bit fingerprints: the first 8 bytes of AES-CMAC (RFC 4493), read big-endian.

    :meth:`one` is ``cryptography``'s CMAC; :meth:`many` and :meth:`many_packed` compute the same
    for a whole batch: messages of one block count side by side, one AES-ECB call per block position
    (the tests hold them equal to :meth:`one` and to RFC 4493's vectors). A batch of fewer than
    :attr:`BATCH_FROM` messages goes through :meth:`one` each, which costs less than the array
    set-up. CMAC is a PRF for messages of any length, so truncating it gives fingerprints that say
    nothing about the messages to someone without the key.
    """

    # Batches of this many messages or more are computed as arrays; smaller ones one by one.
    BATCH_FROM = 64

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.AES(require_aes_key(key))
        self._subkeys = _subkeys(self._ecb())

    def _ecb(self) -> Callable[[bytes], bytes]:
        """A fresh ECB context for one call (not shared, so one instance serves several threads)."""
        # S305: ECB is CMAC's block function here, one independent block per message.
        return Cipher(self._algorithm, modes.ECB()).encryptor().update  # noqa: S305

    def one(self, message: bytes) -> int:
        mac = _cmac.CMAC(self._algorithm)
        mac.update(message)
        return int.from_bytes(mac.finalize()[:8], "big")

    def many(self, messages: Sequence[bytes]) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each message, in order."""
        if len(messages) < self.BATCH_FROM:
            return np.array([self.one(message) for message in messages], dtype=np.uint64)
        lengths = np.fromiter(map(len, messages), dtype=np.intp, count=len(messages))
        return self.many_packed(b"".join(messages), lengths)

    def many_packed(self, data: bytes, lengths: Lengths) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each message of ``data``, the messages written back to back, message i
        ``lengths[i]`` bytes long: a batch passed without a bytes object per message."""
        if int(lengths.sum()) != len(data):
            raise ValueError("the message lengths do not add up to the data")
        return self._many_at(np.frombuffer(data, dtype=np.uint8), np.cumsum(lengths) - lengths, lengths)

    def many_lines(self, data: bytes) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each line of ``data`` (the messages joined by newlines, none holding one)."""
        raw = np.frombuffer(data, dtype=np.uint8)
        ends = np.append(np.flatnonzero(raw == NEWLINE), len(raw))
        starts = np.append(0, ends[:-1] + 1)
        return self._many_at(raw, starts, ends - starts)

    def _many_at(self, raw: U8, starts: Lengths, lengths: Lengths) -> npt.NDArray[np.uint64]:
        """The tags of the messages ``raw[starts[i] : starts[i] + lengths[i]]``, a block count at a time."""
        count = len(lengths)
        out = np.empty(count, dtype=np.uint64)
        if not count:
            return out
        ecb = self._ecb()
        shortest, longest = int(lengths.min()), int(lengths.max())
        if shortest == longest and int(starts[-1]) == (count - 1) * longest:  # back to back: rows of the data
            padded = np.zeros((count, _blocks(longest) * BLOCK), dtype=np.uint8)
            padded[:, :longest] = raw[: count * longest].reshape(count, longest)
            return _first_words(_mac_padded(ecb, padded, longest, self._subkeys))
        # longest first, each row the message and what follows it in the data (zeros past the end)
        order = np.argsort(-lengths, kind="stable")
        widest = _blocks(longest) * BLOCK
        windows = np.lib.stride_tricks.sliding_window_view(
            np.concatenate([raw, np.zeros(widest, dtype=np.uint8)]), widest)
        out[order] = _first_words(_mac_ragged(ecb, windows[starts[order]], lengths[order], self._subkeys))
        return out
