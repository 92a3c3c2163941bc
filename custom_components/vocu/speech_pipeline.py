"""Pipelined speech: sentences cut from a text stream are synthesized ahead while earlier ones play.

The first sentence goes out alone the moment it is complete, so its audio can start before the rest
of the text (an LLM answer) has even arrived. While earlier audio is still streaming, up to
``lookahead`` later requests are already running; sentences that pile up meanwhile are packed into
one request (up to ``max_request_chars``) to save round trips. Output order always follows the text.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from .client.speakable import MarkdownCleaner
from .client.text import SentenceAccumulator, split_text

DEFAULT_LOOKAHEAD: Final = 2
DEFAULT_MAX_REQUEST_CHARS: Final = 1000

# Receives one request's text and a callback to hand over each audio chunk as it arrives.
type Synthesizer = Callable[[str, Callable[[bytes], None]], Awaitable[None]]
# Called with the text received so far, before any of it is synthesized (per-call limits).
type TextCheck = Callable[[int], None]

_END: Final = object()


@dataclass
class _Segment:
    """One request's audio, buffered between its fetch task and the ordered output."""

    text: str
    chunks: asyncio.Queue[bytes | BaseException | object] = field(default_factory=asyncio.Queue)


async def _read_sentences(
    text_stream: AsyncIterator[str],
    out: asyncio.Queue[str | BaseException | object],
    max_request_chars: int,
    check_total: TextCheck | None,
    cleaner: MarkdownCleaner | None,
) -> None:
    """Cut the incoming text into sentences (long ones split to fit a request) and queue them;
    with a ``cleaner``, the text is made speakable first (it holds back at most a line's end)."""
    accumulator = SentenceAccumulator()
    total = 0

    def emit(sentences: list[str]) -> None:
        for sentence in sentences:
            if sentence.strip():
                for piece in split_text(sentence, max_request_chars):
                    out.put_nowait(piece)

    try:
        async for chunk in text_stream:
            total += len(chunk)
            if check_total is not None:
                check_total(total)
            emit(accumulator.feed(cleaner.feed(chunk) if cleaner else chunk))
        if cleaner is not None:
            emit(accumulator.feed(cleaner.flush()))
        emit(accumulator.flush())
    except BaseException as err:  # handed to the consumer, which re-raises it in order
        out.put_nowait(err)
        if isinstance(err, asyncio.CancelledError):
            raise
        return
    out.put_nowait(_END)


async def pipelined_speech(
    text_stream: AsyncIterator[str],
    synthesize: Synthesizer,
    *,
    lookahead: int = DEFAULT_LOOKAHEAD,
    max_request_chars: int = DEFAULT_MAX_REQUEST_CHARS,
    check_total: TextCheck | None = None,
    cleaner: MarkdownCleaner | None = None,
) -> AsyncGenerator[bytes]:
    """Yield the MP3 bytes of ``text_stream`` spoken sentence by sentence, in order.

    Errors (from the text stream, the checks or a request) are raised at the point in the output
    where that audio would have been; every task still running is cancelled when the consumer stops.
    """
    sentences: asyncio.Queue[str | BaseException | object] = asyncio.Queue()
    segments: asyncio.Queue[_Segment | BaseException | object] = asyncio.Queue()
    window = asyncio.Semaphore(max(1, lookahead))
    tasks: set[asyncio.Task[None]] = set()

    async def fetch(segment: _Segment) -> None:
        try:
            await synthesize(segment.text, segment.chunks.put_nowait)
        except Exception as err:
            segment.chunks.put_nowait(err)
            return
        segment.chunks.put_nowait(_END)

    async def schedule() -> None:
        carry: deque[str | BaseException | object] = deque()

        async def next_item() -> str | BaseException | object:
            return carry.popleft() if carry else await sentences.get()

        first = True
        while True:
            await window.acquire()
            item = await next_item()
            if not isinstance(item, str):
                segments.put_nowait(item)
                return
            # The first sentence goes alone (fastest first audio); later requests take along
            # whatever else has already arrived.
            batch = [item]
            size = len(item)
            while not first and (carry or not sentences.empty()):
                following = carry.popleft() if carry else sentences.get_nowait()
                if not isinstance(following, str) or size + len(following) + 1 > max_request_chars:
                    carry.appendleft(following)
                    break
                batch.append(following)
                size += len(following) + 1
            segment = _Segment(" ".join(batch))
            task = asyncio.create_task(fetch(segment))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            segments.put_nowait(segment)
            first = False

    reader = asyncio.create_task(
        _read_sentences(text_stream, sentences, max_request_chars, check_total, cleaner)
    )
    scheduler = asyncio.create_task(schedule())
    try:
        while True:
            segment = await segments.get()
            if segment is _END:
                return
            if isinstance(segment, BaseException):
                raise segment
            assert isinstance(segment, _Segment)
            while True:
                chunk = await segment.chunks.get()
                if chunk is _END:
                    break
                if isinstance(chunk, BaseException):
                    raise chunk
                assert isinstance(chunk, bytes)
                yield chunk
            window.release()
    finally:
        pending = [reader, scheduler, *tasks]
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)
