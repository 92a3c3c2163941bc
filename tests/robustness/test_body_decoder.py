"""Decoding an answer's body within caps: encodings, corruption, size and inflation limits."""

from __future__ import annotations

import gzip
import zlib

import pytest
from vocu_client import errors
from vocu_client.body import MAX_INFLATION, BodyDecoder


def _decoder(encoding: str, max_bytes: int = 10 * 1024 * 1024) -> BodyDecoder:
    return BodyDecoder(
        encoding, max_bytes=max_bytes, too_large=errors.InvalidAudioError, what="test",
        provider="vocu",
    )  # fmt: skip


def _decode(decoder: BodyDecoder, data: bytes, piece: int = 1000) -> bytes:
    out = b"".join(decoder.feed(data[i : i + piece]) for i in range(0, len(data), piece))
    return out + decoder.flush()


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("", lambda data: data),
        (" Identity ", lambda data: data),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as HTTP "deflate" means
    ],
)
def test_each_encoding_decodes_to_the_original(encoding: str, pack) -> None:  # type: ignore[no-untyped-def]
    original = bytes(range(256)) * 400
    decoder = _decoder(encoding)
    assert _decode(decoder, pack(original)) == original
    assert decoder.decoded == len(original)


def test_an_encoding_we_did_not_ask_for_is_refused() -> None:
    with pytest.raises(errors.ServerError, match="encoding we did not ask for"):
        _decoder("br")


def test_corrupt_compressed_body_is_a_typed_error() -> None:
    with pytest.raises(errors.ServerError, match="corrupt"):
        _decode(_decoder("gzip"), b"\x1f\x8b\x08\x00" + b"\xff" * 64)


def test_truncated_compressed_body_flushes_what_it_has() -> None:
    packed = gzip.compress(b"hello world" * 100)
    decoder = _decoder("gzip")
    partial = decoder.feed(packed[: len(packed) // 2])
    assert (partial + decoder.flush()) == (b"hello world" * 100)[: len(partial)]


def test_size_cap_counts_decoded_bytes() -> None:
    with pytest.raises(errors.InvalidAudioError, match="1000 bytes limit") as caught:
        _decode(_decoder("gzip", max_bytes=1000), gzip.compress(b"x" * 1001))
    assert caught.value.code == "RESPONSE_TOO_LARGE"


def test_decompression_bomb_is_refused_long_before_it_inflates() -> None:
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024), compresslevel=9)
    decoder = _decoder("gzip", max_bytes=1024 * 1024 * 1024)
    with pytest.raises(errors.InvalidAudioError, match="decompression bomb"):
        _decode(decoder, bomb, piece=4096)
    assert decoder.decoded < 2 * 1024 * 1024  # of 64 MB: stopped soon after the 1 MB floor
    assert decoder.decoded > MAX_INFLATION * decoder.raw
