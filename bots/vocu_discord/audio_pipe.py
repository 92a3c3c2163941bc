"""Speech from services without key-free URLs (Noiz): the provider's MP3 stream piped into FFmpeg.

The key stays inside our HTTP client. FFmpeg reads MP3 on its stdin (`-i -`), so neither the key
nor any URL is on its command line. A task on the event loop copies the provider's stream into a
`ByteFeed`, which discord.py's stdin-writer thread drains into FFmpeg.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
from typing import TYPE_CHECKING

from vocu_client.deadline import BOT_ITEM_DEADLINE
from vocu_client.errors import InvalidAudioError

from .audio import (
    DEFAULT_OPUS_COMPLEXITY,
    OPUS_BITRATE_KBPS,
    PreparedAudio,
    SignedStreamOpusAudio,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vocu_client.providers import VoiceProvider

    from .audio import StreamSourceFactory
    from .speech_queue import SpeechItem

_LOGGER = logging.getLogger(__name__)

# The input is known MP3 arriving as fast as the service sends it: no network options needed.
PIPE_BEFORE_OPTIONS = "-hide_banner -probesize 2048 -analyzeduration 0"


class ByteFeed:
    """A blocking, file-like ``read(n)`` for discord.py's writer thread, fed from the loop."""

    def __init__(self) -> None:
        self._chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._pending = b""
        self._ended = False

    def put(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def end(self) -> None:
        """No more data: the reader gets b"" (FFmpeg sees end of input). Idempotent."""
        self._chunks.put(None)

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            if self._ended:
                return b""
            chunk = self._chunks.get()
            if chunk is None:
                self._ended = True
                return b""
            self._pending = chunk
        cut = len(self._pending) if size < 0 else size
        data, self._pending = self._pending[:cut], self._pending[cut:]
        return data


class PipedOpusAudio(SignedStreamOpusAudio):
    """FFmpeg reading MP3 from a `ByteFeed`; cleanup also stops the feeding task."""

    def __init__(
        self,
        feed: ByteFeed,
        *,
        executable: str,
        bitrate: int = OPUS_BITRATE_KBPS,
        opus_complexity: int = DEFAULT_OPUS_COMPLEXITY,
    ) -> None:
        self.feed = feed
        self.feeder: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        super().__init__(
            feed, executable=executable, before_options=PIPE_BEFORE_OPTIONS, bitrate=bitrate,
            opus_complexity=opus_complexity, pipe=True,
        )  # fmt: skip

    def cleanup(self) -> None:
        # Unblock the writer thread first, then stop the download (cleanup may run on any thread).
        self.feed.end()
        if self.feeder is not None and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.feeder.cancel)
        super().cleanup()


async def piped_source(
    factory: StreamSourceFactory, client: VoiceProvider, item: SpeechItem
) -> PreparedAudio:
    """Start the provider's stream; once its first bytes arrived (errors such as credits or an
    unknown voice surface here, before anything plays), start FFmpeg on them."""
    stream = client.iter_speech(item.text, item.voice_id, item.options, deadline=BOT_ITEM_DEADLINE)
    async with factory.synthesis_slot():  # the request is made when the first chunk is awaited
        first = await _first_chunk(stream)
    feed = ByteFeed()
    feed.put(first)
    try:
        source = await factory.spawn(
            lambda: PipedOpusAudio(
                feed,
                executable=factory.executable,
                bitrate=factory.bitrate,
                opus_complexity=factory.opus_complexity,
            )
        )
    except BaseException:
        await stream.aclose()
        raise
    assert isinstance(source, PipedOpusAudio)
    source._loop = asyncio.get_running_loop()
    source.feeder = asyncio.create_task(_pump(stream, feed), name=f"pipe-feed:{source.pid}")
    return PreparedAudio(source=source, result=None)


async def _first_chunk(stream: AsyncIterator[bytes]) -> bytes:
    try:
        async for chunk in stream:
            if chunk:
                return chunk
    except BaseException:
        await stream.aclose()  # type: ignore[attr-defined]
        raise
    raise InvalidAudioError("The service returned no audio for this text.")


async def _pump(stream: AsyncIterator[bytes], feed: ByteFeed) -> None:
    """Copy the rest of the stream into FFmpeg's input; a failure ends the audio early."""
    try:
        async for chunk in stream:
            feed.put(chunk)
    except asyncio.CancelledError:
        raise
    except Exception as err:  # the item already started: it ends where the stream broke
        _LOGGER.warning("Speech stream broke off: %s", type(err).__name__)
    finally:
        feed.end()
        with contextlib.suppress(Exception):
            await stream.aclose()  # type: ignore[attr-defined]
