"""masking.crypto: known answers from the RFCs and FIPS, round trips, and tamper refusal."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from masking import crypto
from masking._hazmat.aes import AesPrf
from masking._hazmat.cmac import Cmac64
from masking._hazmat.siv import AesSiv
from masking.crypto import DecryptionFailed


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# --- AES block primitive ---------------------------------------------------------------------------

FIPS197_PLAINTEXT = h("00112233445566778899aabbccddeeff")


@pytest.mark.parametrize(
    ("key_size", "expected"),
    [
        (16, "69c4e0d86a7b0430d8cdb78070b4c55a"),  # FIPS-197 C.1
        (24, "dda97ca4864cdfe06eaf70a0ec0d7191"),  # C.2
        (32, "8ea2b7ca516745bfeafc49904b496089"),  # C.3
    ],
)
def test_aes_block_known_answer(key_size: int, expected: str) -> None:
    aes = AesPrf(bytes(range(key_size)))
    assert aes.ecb(FIPS197_PLAINTEXT).hex() == expected
    assert aes.ecb(FIPS197_PLAINTEXT * 3) == h(expected) * 3
    assert aes.prf(FIPS197_PLAINTEXT).hex() == expected


def test_prf_is_cbc_mac_with_zero_iv() -> None:
    aes = AesPrf(bytes(range(16)))
    first, second = bytes(range(16)), bytes(range(16, 32))
    chained = aes.ecb(bytes(x ^ y for x, y in zip(aes.ecb(first), second, strict=True)))
    assert aes.prf(first + second) == chained


@pytest.mark.parametrize("data", [b"", bytes(15), bytes(17)])
def test_aes_refuses_partial_blocks(data: bytes) -> None:
    aes = AesPrf(bytes(16))
    with pytest.raises(ValueError, match="16"):
        aes.prf(data)
    if data:
        with pytest.raises(ValueError, match="16-byte"):
            aes.ecb(data)


@pytest.mark.parametrize("size", [0, 15, 20, 33])
def test_aes_key_size_checked(size: int) -> None:
    with pytest.raises(ValueError, match="16, 24 or 32"):
        AesPrf(bytes(size))


# --- HMAC, HKDF -------------------------------------------------------------------------------------


def test_hmac_rfc4231_case_1() -> None:
    expected = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert crypto.hmac_sha256(b"\x0b" * 20, b"Hi There").hex() == expected
    mac = crypto.HmacSha256(b"\x0b" * 20)
    assert mac.digest_many([b"Hi There", b"x", b"Hi There"]) == [h(expected), mac.digest(b"x"), h(expected)]


def test_hmac_refuses_short_key() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        crypto.hmac_sha256(b"Jefe", b"what do ya want for nothing?")


def test_hkdf_rfc5869_cases_1_and_3() -> None:
    okm1 = crypto.hkdf_sha256(b"\x0b" * 22, salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)), length=42)
    assert okm1.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    okm3 = crypto.hkdf_sha256(b"\x0b" * 22, salt=b"", info=b"", length=42)
    assert okm3.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")


def test_derive_key_separates_labels_and_salts() -> None:
    master = bytes(range(32))
    keys = {
        crypto.derive_key(master, "pseudonymize"),
        crypto.derive_key(master, "encrypt"),
        crypto.derive_key(master, "encrypt", salt=b"org-1"),
        crypto.derive_key(bytes(range(1, 33)), "encrypt"),
    }
    assert len(keys) == 4
    assert crypto.derive_key(master, "encrypt") == crypto.derive_key(master, "encrypt")
    assert crypto.derive_key(master, "encrypt", 64)[:32] == crypto.derive_key(master, "encrypt")
    assert crypto.derive_key(master, "加密") != crypto.derive_key(master, "encrypt")


@pytest.mark.parametrize(
    ("master", "label", "length", "message"),
    [(bytes(15), "x", 32, "at least 16"), (bytes(32), "", 32, "label"), (bytes(32), "x", 0, "length")],
)
def test_derive_key_checks(master: bytes, label: str, length: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        crypto.derive_key(master, label, length)


# --- AES-SIV ------------------------------------------------------------------------------------------


def test_aes_siv_rfc5297_a1() -> None:
    siv = AesSiv(h("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
    ad = h("101112131415161718191a1b1c1d1e1f2021222324252627")
    plaintext = h("112233445566778899aabbccddee")
    token = siv.encrypt(plaintext, ad)
    assert token.hex() == "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c"
    assert siv.decrypt(token, ad) == plaintext
    assert siv.encrypt_many([plaintext, b"", plaintext], ad) == [token, siv.encrypt(b"", ad), token]


def test_batched_siv_is_the_rfc5297_vector_too() -> None:
    siv = AesSiv(h("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
    ad = h("101112131415161718191a1b1c1d1e1f2021222324252627")
    plaintext = h("112233445566778899aabbccddee")
    tokens = siv.encrypt_many([plaintext] * (AesSiv.BATCH_FROM + 1), ad)  # the batched path
    assert {t.hex() for t in tokens} == {"85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c"}


@pytest.mark.parametrize("key_size", [32, 48, 64])
def test_batched_siv_equals_aessiv_for_every_length(key_size: int) -> None:
    import base64
    import random

    rng = random.Random(key_size)
    siv = AesSiv(rng.randbytes(key_size))
    for ad in (b"", b"x", rng.randbytes(16), rng.randbytes(37)):
        # every length 0..70 and a few long ones, each often enough to take the batched path, mixed up
        values = [rng.randbytes(n) for n in [*range(71), 255, 1000] for _ in range(AesSiv.BATCH_FROM + 2)]
        values += [rng.randbytes(rng.randrange(200)) for _ in range(50)]
        rng.shuffle(values)
        expected = [siv.encrypt(v, ad) for v in values]
        assert siv.encrypt_many(values, ad) == expected
        texts = siv.encrypt_many_text(values, ad, "ENC1:")
        assert texts == ["ENC1:" + base64.urlsafe_b64encode(t).decode().rstrip("=") for t in expected]
        assert all(siv.decrypt(t, ad) == v for t, v in zip(expected[:200], values[:200], strict=True))
    with pytest.raises(TypeError):
        siv.encrypt_many(["text"] * 20, b"")  # type: ignore[list-item]


SIV_KEY = bytes(range(64))


def test_siv_roundtrip_is_deterministic() -> None:
    token = crypto.siv_encrypt(SIV_KEY, "张三 / 北京市海淀区".encode(), b"col:name")
    assert token == crypto.siv_encrypt(SIV_KEY, "张三 / 北京市海淀区".encode(), b"col:name")
    assert token != crypto.siv_encrypt(SIV_KEY, "张三 / 北京市海淀区".encode(), b"col:addr")
    assert crypto.siv_decrypt(SIV_KEY, token, b"col:name").decode() == "张三 / 北京市海淀区"
    assert crypto.siv_decrypt(SIV_KEY, crypto.siv_encrypt(SIV_KEY, b"", b"a"), b"a") == b""


def _assert_opaque(error: pytest.ExceptionInfo[DecryptionFailed]) -> None:
    assert str(error.value) == "decryption failed"
    assert error.value.__cause__ is None
    assert error.value.__suppress_context__ or error.value.__context__ is None


def test_siv_refuses_every_tamper() -> None:
    token = crypto.siv_encrypt(SIV_KEY, b"13800138000", b"col:phone")
    for position in range(len(token)):
        forged = bytearray(token)
        forged[position] ^= 0x01
        with pytest.raises(DecryptionFailed) as error:
            crypto.siv_decrypt(SIV_KEY, bytes(forged), b"col:phone")
        _assert_opaque(error)
    for bad_token, ad, key in [
        (token, b"col:other", SIV_KEY),
        (token, b"col:phone", bytes(64)),
        (token[:16], b"col:phone", SIV_KEY),
        (token[:15], b"col:phone", SIV_KEY),
        (b"", b"col:phone", SIV_KEY),
    ]:
        with pytest.raises(DecryptionFailed) as error:
            crypto.siv_decrypt(key, bad_token, ad)
        _assert_opaque(error)


@pytest.mark.parametrize("size", [32, 48, 63, 65])
def test_siv_recipe_wants_64_byte_key(size: int) -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        crypto.siv_encrypt(bytes(size), b"x", b"")


# --- AES-GCM key wrapping -----------------------------------------------------------------------------


def test_gcm_known_answer_with_pinned_nonce() -> None:
    # McGrew & Viega, GCM test case 2: zero key, zero nonce, one zero block.
    blob = crypto.gcm_seal(bytes(16), bytes(16), b"", randbytes=bytes)
    assert blob.hex() == "000000000000000000000000" + "0388dace60b6a392f328c2b971b2fe78" + (
        "ab6e47d42cec13bdf53a67b21257bddf"
    )
    assert crypto.gcm_open(bytes(16), blob, b"") == bytes(16)


def test_gcm_roundtrip_and_refusals() -> None:
    key, secret, aad = bytes(range(32)), bytes(range(100, 132)), b"keystore:v1:key-1"
    first, second = crypto.gcm_seal(key, secret, aad), crypto.gcm_seal(key, secret, aad)
    assert first != second  # fresh nonce each time
    assert crypto.gcm_open(key, first, aad) == crypto.gcm_open(key, second, aad) == secret
    for position in (0, 11, 12, len(first) - 1):
        forged = bytearray(first)
        forged[position] ^= 0x80
        with pytest.raises(DecryptionFailed) as error:
            crypto.gcm_open(key, bytes(forged), aad)
        _assert_opaque(error)
    for bad in [(bytes(32), first, aad), (key, first, b"keystore:v1:key-2"), (key, first[:27], aad)]:
        with pytest.raises(DecryptionFailed):
            crypto.gcm_open(*bad)


def test_gcm_refuses_bad_nonce_source_and_key() -> None:
    with pytest.raises(ValueError, match="nonce"):
        crypto.gcm_seal(bytes(32), b"x", b"", randbytes=lambda n: bytes(n - 1))
    with pytest.raises(ValueError, match="16, 24 or 32"):
        crypto.gcm_seal(bytes(64), b"x", b"")


# --- scrypt -------------------------------------------------------------------------------------------


def test_scrypt_rfc7914_vector() -> None:
    derived = crypto.scrypt_kdf("password", b"NaCl", n=1024, r=8, p=16, length=64)
    assert derived.hex() == (
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    )


def test_scrypt_depends_on_passphrase_and_salt() -> None:
    base = crypto.scrypt_kdf("口令", b"salt-0123456789a", n=2**10)
    assert len(base) == 32
    assert base != crypto.scrypt_kdf("口令!", b"salt-0123456789a", n=2**10)
    assert base != crypto.scrypt_kdf("口令", b"salt-0123456789b", n=2**10)


@pytest.mark.parametrize(
    ("salt", "n", "r", "message"),
    [
        (b"", 1024, 8, "salt"),
        (b"s", 1000, 8, "power of two"),
        (b"s", 1, 8, "power of two"),
        (b"s", 1024, 0, "positive"),
    ],
)
def test_scrypt_parameter_checks(salt: bytes, n: int, r: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        crypto.scrypt_kdf("x", salt, n=n, r=r)


# --- Ed25519 ------------------------------------------------------------------------------------------

RFC8032_SECRET = h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = h(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_ed25519_rfc8032_test_1() -> None:
    assert crypto.ed25519_public(RFC8032_SECRET) == RFC8032_PUBLIC
    assert crypto.ed25519_sign(RFC8032_SECRET, b"") == RFC8032_SIGNATURE
    assert crypto.ed25519_verify(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE) is True
    assert crypto.ed25519_verify(RFC8032_PUBLIC, b"\x00", RFC8032_SIGNATURE) is False


def test_ed25519_roundtrip_and_forgeries() -> None:
    private, public = crypto.ed25519_generate()
    assert len(private) == len(public) == 32
    message = b"ledger entry 42"
    signature = crypto.ed25519_sign(private, message)
    assert crypto.ed25519_verify(public, message, signature) is True
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    assert crypto.ed25519_verify(public, message, forged) is False
    assert crypto.ed25519_verify(public, message, signature[:63]) is False
    assert crypto.ed25519_verify(RFC8032_PUBLIC, message, signature) is False
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.ed25519_verify(public[:31], message, signature)
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.ed25519_sign(private + b"\x00", message)


# RFC 4493 section 4: AES-128 key, messages of 0, 16, 40 and 64 bytes; the first 8 bytes of each tag.
_CMAC_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
_CMAC_TEXT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)


@pytest.mark.parametrize(("length", "tag"), [(0, "bb1d6929e9593728"), (16, "070a16b46b4d4144"),
                                             (40, "dfa66747de9ae630"), (64, "51f0bebf7e3b9d92")])
def test_cmac64_rfc4493_vectors(length: int, tag: str) -> None:
    cmac = Cmac64(_CMAC_KEY)
    assert f"{cmac.one(_CMAC_TEXT[:length]):016x}" == tag
    assert f"{int(cmac.many([_CMAC_TEXT[:length]])[0]):016x}" == tag


def test_cmac64_many_equals_one_for_every_length_and_order() -> None:
    cmac = Cmac64(os.urandom(32))
    rng = random.Random(7)
    messages = [rng.randbytes(rng.randrange(70)) for _ in range(2000)]
    assert [int(x) for x in cmac.many(messages)] == [cmac.one(m) for m in messages]
    assert len(cmac.many([])) == 0


@pytest.mark.parametrize(("length", "tag"), [(0, "bb1d6929e9593728"), (16, "070a16b46b4d4144"),
                                             (40, "dfa66747de9ae630"), (64, "51f0bebf7e3b9d92")])
def test_cmac64_batched_paths_give_rfc4493_vectors(length: int, tag: str) -> None:
    cmac = Cmac64(_CMAC_KEY)
    message = _CMAC_TEXT[:length]
    count = Cmac64.BATCH_FROM + 1  # past the one-by-one path
    same = cmac.many([message] * count)  # one length: the rows of the data
    mixed = cmac.many([message, b"x" * 17] * count)  # several lengths: longest first, a block count at a time
    assert {f"{int(x):016x}" for x in same} == {tag}
    assert {f"{int(x):016x}" for x in mixed[::2]} == {tag}


def test_cmac64_packed_and_lines_equal_one() -> None:
    cmac = Cmac64(os.urandom(32))
    rng = random.Random(11)
    for count in (1, 5, Cmac64.BATCH_FROM - 1, Cmac64.BATCH_FROM, 300):
        messages = [rng.randbytes(rng.choice((0, 1, 15, 16, 17, 31, 32, 33, rng.randrange(100)))) for _ in range(count)]
        expected = [cmac.one(m) for m in messages]
        assert [int(x) for x in cmac.many(messages)] == expected
        lengths = np.array([len(m) for m in messages], dtype=np.intp)
        assert [int(x) for x in cmac.many_packed(b"".join(messages), lengths)] == expected
        lines = [m.replace(b"\n", b"") for m in messages]
        assert [int(x) for x in cmac.many_lines(b"\n".join(lines))] == [cmac.one(m) for m in lines]
    with pytest.raises(ValueError, match="add up"):
        cmac.many_packed(b"abc", np.array([1, 1], dtype=np.intp))
