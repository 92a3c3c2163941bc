"""Property-based tests of the transport's pure parts: redaction, body decoding, MP3 framing.

Bounded: a few dozen examples each and a per-example deadline, so the suite stays fast.
"""

from __future__ import annotations

import gzip
import zlib
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vocu_client import errors
from vocu_client.body import BodyDecoder
from vocu_client.mp3 import FrameWalker
from vocu_client.redact import MIN_SECRET_PIECE, redact_text

BOUNDED = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
)

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:=+/."
keys = st.text(KEY_ALPHABET, min_size=16, max_size=64)
noise = st.text(max_size=40)


@settings(BOUNDED, max_examples=30)
@given(keys, noise, noise, st.data())
def test_no_piece_of_the_key_survives_redaction(key: str, before: str, after: str, data) -> None:  # type: ignore[no-untyped-def]
    start = data.draw(st.integers(0, len(key) - MIN_SECRET_PIECE))
    end = data.draw(st.integers(start + MIN_SECRET_PIECE, len(key)))
    piece = key[start:end]
    form = data.draw(st.sampled_from(["plain", "quoted", "bearer"]))
    echoed = {"plain": piece, "quoted": quote(key, safe=""), "bearer": f"Bearer {piece}"}[form]
    out = redact_text(before + echoed + after, [key])
    assert piece not in out
    assert quote(key, safe="") not in out


@BOUNDED
@given(st.binary(max_size=50_000), st.lists(st.integers(1, 4096), min_size=1, max_size=20))
def test_a_gzip_body_decodes_the_same_in_any_chunking(payload: bytes, cuts: list[int]) -> None:
    packed = gzip.compress(payload)
    decoder = BodyDecoder(
        "gzip", max_bytes=1 << 20, too_large=errors.ServerError, what="t", provider="vocu"
    )
    out, at, index = [], 0, 0
    while at < len(packed):
        size = cuts[index % len(cuts)]
        out.append(decoder.feed(packed[at : at + size]))
        at += size
        index += 1
    out.append(decoder.flush())
    assert b"".join(out) == payload


@BOUNDED
@given(st.integers(1, 5_000_000))
def test_the_size_cap_always_holds(size: int) -> None:
    cap = 1_000_000
    packed = zlib.compress(b"\0" * size, 9)
    decoder = BodyDecoder(
        "deflate", max_bytes=cap, too_large=errors.ServerError, what="t", provider="vocu"
    )
    try:
        decoded = len(decoder.feed(packed)) + len(decoder.flush())
    except errors.ServerError as exc:
        assert exc.code == "RESPONSE_TOO_LARGE"
        assert size > cap or size > 100 * len(packed)
    else:
        assert decoded == size <= cap


# MPEG-1 layer III, 44.1 kHz: bitrate index → frame length (without padding).
_FRAMES = {idx: 144 * kbps * 1000 // 44100 for idx, kbps in ((9, 128), (5, 64), (14, 320))}


def _frame(index: int, fill: int) -> bytes:
    header = bytes([0xFF, 0xFB, index << 4, 0x64])
    return header + bytes([fill]) * (_FRAMES[index] - 4)


@BOUNDED
@given(
    st.lists(st.tuples(st.sampled_from(sorted(_FRAMES)), st.integers(0, 255)), min_size=1,
             max_size=30),
    st.lists(st.integers(1, 3000), min_size=1, max_size=10),
    st.booleans(),
)  # fmt: skip
def test_frame_walker_tells_a_whole_last_frame_from_a_cut_one(
    frames: list[tuple[int, int]], cuts: list[int], cut_last: bool
) -> None:
    body = b"".join(_frame(index, fill) for index, fill in frames)
    if cut_last:
        body = body[: len(body) - 1 - cuts[0] % (_FRAMES[frames[-1][0]] - 1)]
    walker = FrameWalker()
    at, index = 0, 0
    while at < len(body):
        walker.feed(body[at : at + cuts[index % len(cuts)]])
        at += cuts[index % len(cuts)]
        index += 1
    assert walker.ends_on_frame is not cut_last


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(errors.ServerError):
        BodyDecoder("br", max_bytes=10, too_large=errors.ServerError, what="t", provider="vocu")
