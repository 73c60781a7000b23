"""AES-CMAC (RFC 4493) over numpy: a whole list of messages at once, a length group at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from masking._hazmat import BLOCK, ZERO_BLOCK, require_aes_key

__all__ = ["Cmac64", "by_length", "cmac_blocks", "dbl"]


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


def cmac_blocks(ecb: Callable[[bytes], bytes], messages: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """AES-CMAC (RFC 4493) of each row of ``messages`` (rows of one length), one ECB call per block."""
    count, length = messages.shape
    subkey1 = dbl(ecb(ZERO_BLOCK))
    subkey2 = dbl(subkey1)
    blocks = max(1, -(-length // BLOCK))
    last = np.zeros((count, BLOCK), dtype=np.uint8)
    tail = length - (blocks - 1) * BLOCK
    last[:, :tail] = messages[:, (blocks - 1) * BLOCK :]
    if length and tail == BLOCK:
        last ^= np.frombuffer(subkey1, dtype=np.uint8)
    else:
        last[:, tail] = 0x80
        last ^= np.frombuffer(subkey2, dtype=np.uint8)
    state = np.zeros((count, BLOCK), dtype=np.uint8)
    for index in range(blocks - 1):
        chunk = messages[:, index * BLOCK : (index + 1) * BLOCK]
        state = np.frombuffer(ecb((state ^ chunk).tobytes()), dtype=np.uint8).reshape(count, BLOCK)
    return np.frombuffer(ecb((state ^ last).tobytes()), dtype=np.uint8).reshape(count, BLOCK)


class Cmac64:
    """Keyed 64-bit fingerprints: the first 8 bytes of AES-CMAC (RFC 4493), read big-endian.

    :meth:`one` is ``cryptography``'s CMAC; :meth:`many` computes the same for a whole list, a
    length group at a time with one AES-ECB call per block position (the tests hold the two equal,
    and to RFC 4493's vectors). CMAC is a PRF for messages of any length, so truncating it gives
    fingerprints that say nothing about the messages to someone without the key.
    """

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.AES(require_aes_key(key))

    def one(self, message: bytes) -> int:
        mac = _cmac.CMAC(self._algorithm)
        mac.update(message)
        return int.from_bytes(mac.finalize()[:8], "big")

    def many(self, messages: Sequence[bytes]) -> npt.NDArray[np.uint64]:
        out = np.empty(len(messages), dtype=np.uint64)
        # S305: ECB is CMAC's block function here, one independent block per message.
        ecb = Cipher(self._algorithm, modes.ECB()).encryptor().update  # noqa: S305
        for length, positions in by_length(messages):
            rows = np.frombuffer(b"".join([messages[p] for p in positions.tolist()]), dtype=np.uint8)
            tags = cmac_blocks(ecb, rows.reshape(len(positions), length))
            out[positions] = np.ascontiguousarray(tags[:, :8]).view(">u8").ravel()
        return out
