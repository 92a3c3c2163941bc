"""Streaming synthesis: an MP3 answer delivered chunk by chunk in constant memory.

A synthesis is billed, so it is only retried when nothing can have been produced: on a 429 (the
service refused before generating) or a failure before any response header arrived. Once audio
bytes were handed to the caller, a broken stream raises :class:`StreamInterruptedError` instead.

Every stream is bounded: by its call's :class:`~.deadline.Budget` (first byte, total, minimum
rate) and by :func:`max_audio_bytes` of its text. A body that ends without a clean end
(close-delimited, ending inside an MP3 frame or well short of the declared duration) is an
interruption, not a complete answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from . import errors
from ._http import Transport
from .body import CHUNK_SIZE, BodyReader
from .deadline import Budget
from .errors import TimeoutLimit
from .models import GenerationResult
from .mp3 import FrameWalker

_LOGGER = logging.getLogger(__name__)

RESPONSE_DATA_HEADER = "X-Reecho-Response-Data"
AUDIO_ID_HEADER = "X-Reecho-Audio-Id"
_SNIFF_BYTES = 3
__all__ = ["CHUNK_SIZE", "SpeechStream", "max_audio_bytes", "open_with_synthesis_retry"]

# The audio bound (docs/architecture.md): speech runs about 0.21 s per CJK character (2 000
# characters ≈ 7 minutes) and faster for other scripts; allow 0.5 s per character plus 60 s, at
# 320 kbit/s (the highest MP3 bitrate): far above any honest answer, finite for an endless one.
SECONDS_PER_CHAR = 0.5
SECONDS_EXTRA = 60.0
MAX_AUDIO_BYTES_PER_SECOND = 320_000 // 8
# A close-delimited body shorter than this share of the declared duration was cut.
_DURATION_SHARE = 0.8


def max_audio_bytes(text: str) -> int:
    """The most MP3 bytes one request for ``text`` may deliver."""
    return int((SECONDS_EXTRA + SECONDS_PER_CHAR * len(text)) * MAX_AUDIO_BYTES_PER_SECOND)


def looks_like_mp3(head: bytes) -> bool:
    """ID3 tag, or an MPEG audio frame sync (11 set bits: 0xFF then 0xE0 mask)."""
    if head.startswith(b"ID3"):
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


Opener = Callable[[], Awaitable[aiohttp.ClientResponse]]


def _declared_seconds(result: GenerationResult) -> float | None:
    for key in ("duration", "audioDuration", "estimatedDuration"):
        value: Any = result.raw.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e6:
            return float(value)
    return None


class SpeechStream:
    """Async context manager and async iterator of MP3 chunks from one synthesis request.

    ``async with client.stream_speech(...) as stream: async for chunk in stream`` is the safe
    form; iterating without ``async with`` also works and closes the answer when it ends or fails.
    ``result`` is available once the headers arrived (after ``__aenter__`` or the first chunk).
    """

    def __init__(
        self,
        transport: Transport,
        opener: Opener,
        what: str,
        *,
        budget: Budget | None = None,
        max_bytes: int | None = None,
        follow_envelope: bool = False,
    ) -> None:
        self._transport = transport
        self._opener = opener
        self._what = what
        self._budget = budget or transport.budget()
        self._max_bytes = max_bytes if max_bytes is not None else max_audio_bytes("x" * 2000)
        # A JSON success (direct_stream ignored) is followed to its audio URL: see _open.
        self._follow_envelope = follow_envelope
        self._response: aiohttp.ClientResponse | None = None
        self._reader: BodyReader | None = None
        self._frames = FrameWalker()
        self._result: GenerationResult | None = None
        self._head = b""
        self._done = False

    @property
    def bytes_received(self) -> int:
        return self._reader.bytes_received if self._reader is not None else 0

    @property
    def result(self) -> GenerationResult:
        if self._result is None:
            raise RuntimeError("the stream has not been opened yet")
        return self._result

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except errors.VoiceServiceError as exc:
            await self.aclose()
            raise self._failure(exc) from None
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._done = True
        if self._response is not None:
            # close(), not release(): an unread remainder must not be drained into the pool.
            self._response.close()
            self._response = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        try:
            if self._result is None:
                await self._open()
            if self._head:
                head, self._head = self._head, b""
                return head
            chunk = await self._read()
        except errors.VoiceServiceError as exc:
            await self.aclose()
            raise self._failure(exc) from None
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    def _failure(self, exc: errors.VoiceServiceError) -> errors.VoiceServiceError:
        if exc.request_id is None and self._result is not None:
            exc.request_id = self._result.request_id
        return self._transport.scrub(exc)

    async def _read(self) -> bytes:
        assert self._reader is not None
        chunk = await self._reader.read()
        if chunk:
            self._frames.feed(chunk)
        elif self._reader.close_delimited:
            self._check_clean_end()
        return chunk

    def _check_clean_end(self) -> None:
        """A close-delimited body may have been cut: judge by the last frame and the duration."""
        declared = _declared_seconds(self.result)
        short = (
            declared is not None
            and not self._frames.lost
            and self._frames.seconds < declared * _DURATION_SHARE
        )
        if self._frames.ends_on_frame and not short:
            return
        reason = "inside an MP3 frame" if not self._frames.ends_on_frame else "short of its length"
        raise errors.StreamInterruptedError(
            f"{self._what}: the answer ended {reason} after {self.bytes_received} bytes, "
            "without a clean end",
            bytes_received=self.bytes_received,
            request_id=self.result.request_id,
        )

    async def _open(self) -> None:
        started = time.monotonic()
        with self._budget.active():
            self._response, first_byte_at = await _open_billed(
                self._transport, self._opener, self._budget
            )
            headers = self._response.headers
            request_id = self._transport.request_id_of(headers)
            if self._follow_envelope and self._response.content_type == "application/json":
                first_byte_at = self._budget.first_byte_limit()
                self._result = await self._audio_from_envelope(self._response, request_id)
            else:
                self._result = GenerationResult.from_header(
                    headers.get(RESPONSE_DATA_HEADER), headers.get(AUDIO_ID_HEADER), request_id
                )
        self._reader = BodyReader(
            self._transport,
            self._response,
            self._budget,
            self._what,
            max_bytes=self._max_bytes,
            kind="audio",
            first_byte_at=first_byte_at,
        )
        head = b""
        while len(head) < _SNIFF_BYTES:
            chunk = await self._read()
            if not chunk:
                break
            head += chunk
        if not looks_like_mp3(head):
            await self.aclose()
            raise errors.InvalidAudioError(
                f"{self._what}: the answer is not MP3 audio"
                + (" (empty)" if not head else f" (starts with {head[:4]!r})"),
                status=200,
                provider=self._transport.provider,
                request_id=request_id,
            )
        self._head = head
        _LOGGER.debug(
            "%s: first audio bytes after %.0f ms (request id %s)",
            self._what,
            (time.monotonic() - started) * 1000,
            request_id,
        )

    async def _audio_from_envelope(
        self, response: aiohttp.ClientResponse, request_id: str | None
    ) -> GenerationResult:
        """The service answered its JSON envelope instead of the audio (it ignored
        ``direct_stream``): the audio is generated and billed already, so fetch it from the
        signed URL it names (streamed, no key), never by asking again.
        """
        transport = self._transport
        payload = transport.decode(await transport.read_body(response, self._what), response)
        data = payload.get("data")
        result = GenerationResult.from_api(data if isinstance(data, Mapping) else {}, request_id)
        url = result.playable_url
        if not url:
            raise errors.InvalidAudioError(
                f"{self._what}: the answer has neither audio nor a URL to it",
                status=response.status,
                provider=transport.provider,
                request_id=request_id,
            )
        _LOGGER.debug("%s: JSON answer, fetching its audio URL", self._what)
        self._response = await transport.open("GET", url, auth=False)
        return result


async def _open_billed(
    transport: Transport, opener: Opener, budget: Budget
) -> tuple[aiohttp.ClientResponse, tuple[float | None, TimeoutLimit]]:
    """The open response and the first-byte limit of the request that produced it."""
    policy = transport.retry
    attempts = max(1, policy.synthesis_attempts)
    for attempt in range(attempts):
        first_byte_at = budget.first_byte_limit()
        try:
            return await opener(), first_byte_at
        except errors.ServiceTimeoutError:
            raise
        except errors.RateLimitError as exc:
            delay = exc.retry_after if exc.retry_after is not None else policy.delay(attempt)
            if attempt + 1 >= attempts or delay > policy.max_retry_after:
                raise
            if not budget.allows_wait(delay):
                raise  # a Retry-After longer than what is left fails at once
        except errors.StreamInterruptedError:
            raise
        except errors.ServiceConnectionError:
            if attempt + 1 >= attempts:
                raise
            delay = policy.delay(attempt)
            if not budget.allows_wait(delay):
                raise
        _LOGGER.debug("synthesis refused or unreachable; retry %d in %.2f s", attempt + 1, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


async def open_with_synthesis_retry(transport: Transport, opener: Opener) -> aiohttp.ClientResponse:
    """Open a billed request, retrying only where no audio can have been generated.

    429: wait ``Retry-After`` (or the backoff) if it is within ``max_retry_after`` and the
    active budget. A connection failure before the headers is retried with backoff; a timeout is
    not (the budget is spent).
    """
    response, _ = await _open_billed(transport, opener, transport.budget())
    return response
