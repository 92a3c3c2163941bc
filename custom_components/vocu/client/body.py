"""Reading an answer's body within bounds: the call's budget, a minimum rate, a size cap and a
cap on how far a compressed body may inflate.

JSON bodies stop at :data:`MAX_JSON_BYTES` (about ten thousand voices); audio at the cap its
caller derives from the text (``streaming.max_audio_bytes``). A body that inflates more than
:data:`MAX_INFLATION` times is a decompression bomb and refused.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from typing import TYPE_CHECKING

import aiohttp

from . import errors
from .errors import TimeoutLimit

if TYPE_CHECKING:
    from ._http import Transport
    from .deadline import Budget

MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_ERROR_BODY_BYTES = 1024 * 1024
# A finished job's whole MP3 (``VocuClient.download``): hours of speech at a high bitrate.
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
MAX_INFLATION = 100  # decoded bytes per received byte; real JSON and MP3 stay far below
_INFLATION_FLOOR = 1024 * 1024  # the ratio is judged once this much was decoded
CHUNK_SIZE = 16 * 1024  # one read; memory stays constant whatever the sender does
_STEP = 256 * 1024  # most bytes one decompression step may produce


class BodyDecoder:
    """Content-Encoding (gzip, deflate or none), decoded step by step with the caps enforced."""

    def __init__(self, encoding: str, *, max_bytes: int, too_large: type[errors.VoiceServiceError],
                 what: str, provider: str) -> None:  # fmt: skip
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._inflater = zlib.decompressobj(47)  # gzip or zlib header, detected
        else:
            raise errors.ServerError(
                f"{what}: the answer uses an encoding we did not ask for ({encoding[:20]})",
                provider=provider,
            )
        self.max_bytes = max_bytes
        self._too_large = too_large
        self._what = what
        self._provider = provider
        self.raw = 0
        self.decoded = 0

    def feed(self, raw: bytes) -> bytes:
        self.raw += len(raw)
        if self._inflater is None:
            return self._count(raw)
        out: list[bytes] = []
        data = raw
        try:
            while data:
                piece = self._inflater.decompress(data, _STEP)
                out.append(self._count(piece))
                data = self._inflater.unconsumed_tail
        except zlib.error:
            raise errors.ServerError(
                f"{self._what}: the compressed answer is corrupt", provider=self._provider
            ) from None
        return b"".join(out)

    def flush(self) -> bytes:
        if self._inflater is None:
            return b""
        try:
            return self._count(self._inflater.flush())
        except zlib.error:
            return b""

    def _count(self, piece: bytes) -> bytes:
        self.decoded += len(piece)
        if self.decoded > self.max_bytes:
            raise self._too_large(
                f"{self._what}: the answer passed the {_size(self.max_bytes)} limit",
                code="RESPONSE_TOO_LARGE",
                provider=self._provider,
            )
        if self.decoded > _INFLATION_FLOOR and self.decoded > MAX_INFLATION * max(1, self.raw):
            raise self._too_large(
                f"{self._what}: the compressed answer inflates more than {MAX_INFLATION} times "
                "(a decompression bomb)",
                code="RESPONSE_TOO_LARGE",
                provider=self._provider,
            )
        return piece


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


class BodyReader:
    """Reads one answer's body: decoded chunks until b"", each wait bounded by the budget.

    Before the first byte the wait is the request's first-byte limit; after it, the earliest of
    ``idle``, the minimum-rate limit and the total.
    """

    def __init__(
        self,
        transport: Transport,
        response: aiohttp.ClientResponse,
        budget: Budget,
        what: str,
        *,
        max_bytes: int,
        kind: str,
        first_byte_at: tuple[float | None, TimeoutLimit] | None = None,
    ) -> None:
        self._response = response
        self._budget = budget
        self._what = what
        self._idle = transport.timeouts.idle
        self._first = first_byte_at or budget.first_byte_limit()
        self._rate = budget.rate_watch()
        self._started = False
        self._ended = False
        self._decoder = BodyDecoder(
            response.headers.get("Content-Encoding", ""),
            max_bytes=max_bytes,
            too_large=errors.InvalidAudioError if kind == "audio" else errors.ServerError,
            what=what,
            provider=budget.provider,
        )

    @property
    def bytes_received(self) -> int:
        """Decoded bytes handed out so far."""
        return self._decoder.decoded

    @property
    def close_delimited(self) -> bool:
        """Neither Content-Length nor chunking: only the connection's close ends the body."""
        headers = self._response.headers
        chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        return "Content-Length" not in headers and not chunked

    def _limit(self) -> tuple[float | None, TimeoutLimit]:
        options: list[tuple[float, TimeoutLimit]] = []
        if self._budget.expires_at is not None:
            options.append((self._budget.expires_at, TimeoutLimit.TOTAL))
        if not self._started:
            if self._first[0] is not None:
                options.append((self._first[0], self._first[1]))
        else:
            if self._idle is not None:
                options.append((time.monotonic() + self._idle, TimeoutLimit.IDLE))
            fails = self._rate.fails_at()
            if fails is not None:
                options.append((fails, TimeoutLimit.MIN_RATE))
        if not options:
            return None, TimeoutLimit.TOTAL
        return min(options, key=lambda option: option[0])

    async def read(self) -> bytes:
        """The next decoded bytes; b"" once the body ended."""
        while not self._ended:
            at, limit = self._limit()
            try:
                async with asyncio.timeout_at(at):
                    raw = await self._response.content.read(CHUNK_SIZE)
            except TimeoutError:
                raise self._budget.timeout(
                    self._what, limit, f" ({self.bytes_received} bytes received)"
                ) from None
            except aiohttp.ClientPayloadError:
                raise errors.StreamInterruptedError(
                    f"{self._what}: the answer broke after {self.bytes_received} bytes",
                    bytes_received=self.bytes_received,
                    provider=self._budget.provider,
                ) from None
            except aiohttp.ClientError as exc:
                raise errors.ServiceConnectionError(
                    f"{self._what}: {type(exc).__name__}", provider=self._budget.provider
                ) from None
            if not raw:
                self._ended = True
                return self._decoder.flush()
            self._started = True
            self._rate.add(len(raw))
            decoded = self._decoder.feed(raw)
            if decoded:
                return decoded
        return b""
