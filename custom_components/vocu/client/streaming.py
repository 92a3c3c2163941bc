"""Streaming synthesis: an MP3 answer delivered chunk by chunk in constant memory.

A synthesis is billed, so it is only retried when nothing can have been produced: on a 429 (the
service refused before generating) or a failure before any response header arrived. Once audio
bytes were handed to the caller, a broken stream raises :class:`StreamInterruptedError` instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Self

import aiohttp

from . import errors
from ._http import REQUEST_ID_HEADER, Transport
from .models import GenerationResult

_LOGGER = logging.getLogger(__name__)

RESPONSE_DATA_HEADER = "X-Reecho-Response-Data"
AUDIO_ID_HEADER = "X-Reecho-Audio-Id"
_SNIFF_BYTES = 3
# Upper bound of one chunk handed to the caller: memory stays constant whatever the sender does.
CHUNK_SIZE = 16 * 1024


def looks_like_mp3(head: bytes) -> bool:
    """ID3 tag, or an MPEG audio frame sync (11 set bits: 0xFF then 0xE0 mask)."""
    if head.startswith(b"ID3"):
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


Opener = Callable[[], Awaitable[aiohttp.ClientResponse]]


class SpeechStream:
    """Async context manager and async iterator of MP3 chunks from one synthesis request.

    ``async with client.stream_speech(...) as stream: async for chunk in stream`` is the safe
    form; iterating without ``async with`` also works and closes the answer when it ends or fails.
    ``result`` is available once the headers arrived (after ``__aenter__`` or the first chunk).
    """

    def __init__(
        self, transport: Transport, opener: Opener, what: str, *, follow_envelope: bool = False
    ) -> None:
        self._transport = transport
        self._opener = opener
        self._what = what
        self._follow_envelope = follow_envelope
        self._response: aiohttp.ClientResponse | None = None
        self._result: GenerationResult | None = None
        self._head = b""
        self._done = False
        self.bytes_received = 0

    @property
    def result(self) -> GenerationResult:
        if self._result is None:
            raise RuntimeError("the stream has not been opened yet")
        return self._result

    async def __aenter__(self) -> Self:
        await self._open()
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
            chunk = await self._read(first=False)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    async def _read(self, *, first: bool) -> bytes:
        assert self._response is not None
        timeouts = self._transport.timeouts
        try:
            async with asyncio.timeout(timeouts.first_byte if first else timeouts.idle):
                chunk = await self._response.content.read(CHUNK_SIZE)
        except TimeoutError:
            where = "before the first audio bytes" if first else "between audio chunks"
            raise errors.ServiceTimeoutError(
                f"{self._what}: no audio {where} in time ({self.bytes_received} bytes received)",
                provider=self._transport.provider,
                request_id=self.result.request_id,
            ) from None
        except aiohttp.ClientError:
            raise errors.StreamInterruptedError(
                f"{self._what}: audio stream broke after {self.bytes_received} bytes",
                bytes_received=self.bytes_received,
                provider=self._transport.provider,
                request_id=self.result.request_id,
            ) from None
        self.bytes_received += len(chunk)
        return chunk

    async def _open(self) -> None:
        started = time.monotonic()
        self._response = await open_with_synthesis_retry(self._transport, self._opener)
        headers = self._response.headers
        request_id = headers.get(REQUEST_ID_HEADER)
        if self._follow_envelope and self._response.content_type == "application/json":
            self._result = await self._audio_from_envelope(self._response, request_id)
        else:
            self._result = GenerationResult.from_header(
                headers.get(RESPONSE_DATA_HEADER), headers.get(AUDIO_ID_HEADER), request_id
            )
        head = b""
        while len(head) < _SNIFF_BYTES:
            chunk = await self._read(first=True)
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
        signed URL it names (streamed), never by asking again.
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


async def open_with_synthesis_retry(transport: Transport, opener: Opener) -> aiohttp.ClientResponse:
    """Open a billed request, retrying only where no audio can have been generated.

    429: wait ``Retry-After`` (or the backoff) if it is within ``max_retry_after``. A connection
    failure before the headers is retried with backoff; a timeout is not (the budget is spent).
    """
    policy = transport.retry
    attempts = max(1, policy.synthesis_attempts)
    for attempt in range(attempts):
        try:
            return await opener()
        except errors.ServiceTimeoutError:
            raise
        except errors.RateLimitError as exc:
            delay = exc.retry_after if exc.retry_after is not None else policy.delay(attempt)
            if attempt + 1 >= attempts or delay > policy.max_retry_after:
                raise
        except errors.StreamInterruptedError:
            raise
        except errors.ServiceConnectionError:
            if attempt + 1 >= attempts:
                raise
            delay = policy.delay(attempt)
        _LOGGER.debug("synthesis refused or unreachable; retry %d in %.2f s", attempt + 1, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
