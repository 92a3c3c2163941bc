"""MiniMax's streamed text-to-audio answer: server-sent events carrying hex audio → MP3 bytes.

Each event is ``data: {"data": {"audio": "<hex>", "status": 1}, "base_resp": {...}}``; the last
one has ``status`` 2. Unless the request set ``stream_options.exclude_aggregated_audio``, that
last event repeats the *whole* audio, so its audio is only used when nothing came before it.
An error may arrive as an event too (``base_resp.status_code`` not 0).

The decoder is fed the bytes as they arrive and returns the audio of every complete event, so
memory holds at most one event (bounded by ``max_event_bytes``), never the whole answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .. import errors

FINAL_STATUS = 2
DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024  # one event; a whole aggregated answer may be large

# Turns an event's ``base_resp`` failure into our exception (the provider's error mapping).
EventError = Callable[[Mapping[str, Any]], errors.VoiceServiceError]


class HexAudioEvents:
    """Incremental SSE decoder: ``feed(raw) -> mp3`` for each arriving piece, then ``finish()``."""

    def __init__(
        self,
        event_error: EventError,
        *,
        provider: str,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._event_error = event_error
        self._provider = provider
        self._max_event_bytes = max_event_bytes
        self._line = bytearray()  # the current, unfinished line
        self._data: list[bytes] = []  # `data:` lines of the current event
        self._data_size = 0
        self.audio_bytes = 0
        self.finished = False  # the final (status 2) event arrived

    def feed(self, raw: bytes) -> bytes:
        """The audio of every event completed by ``raw`` (possibly empty)."""
        out = bytearray()
        start = 0
        while True:
            newline = raw.find(b"\n", start)
            if newline < 0:
                self._line += raw[start:]
                self._check_size(len(self._line))
                return bytes(out)
            self._line += raw[start:newline]
            start = newline + 1
            line = bytes(self._line).rstrip(b"\r")
            self._line.clear()
            out += self._take_line(line)

    def finish(self) -> bytes:
        """At the end of the body: the last audio, or an error if the answer stopped short."""
        out = b""
        try:
            if self._line:  # no newline after the last event: take it if it is whole
                out += self._take_line(bytes(self._line).rstrip(b"\r"))
                self._line.clear()
            out += self._dispatch()
        except errors.InvalidAudioError:
            if self.finished:
                raise
            out = b""  # a half event: the answer was cut, reported below
        if not self.finished:
            raise errors.StreamInterruptedError(
                f"{self._provider} speech synthesis: the event stream ended before its last event",
                bytes_received=self.audio_bytes,
                provider=self._provider,
            )
        return out

    def _check_size(self, pending: int) -> None:
        if self._data_size + pending > self._max_event_bytes:
            raise errors.InvalidAudioError(
                f"{self._provider} speech synthesis: one event is larger than "
                f"{self._max_event_bytes} bytes",
                status=200,
                provider=self._provider,
            )

    def _take_line(self, line: bytes) -> bytes:
        if not line:
            return self._dispatch()
        if line.startswith(b":"):
            return b""  # a comment / keep-alive
        field, _, value = line.partition(b":")
        if field == b"data":
            value = value.removeprefix(b" ")
            self._data.append(value)
            self._data_size += len(value)
            self._check_size(0)
            return b""
        if field in (b"event", b"id", b"retry"):
            return b""
        raise errors.InvalidAudioError(
            f"{self._provider} speech synthesis: the answer is not server-sent events"
            f" (starts with {line[:16]!r})",
            status=200,
            provider=self._provider,
        )

    def _dispatch(self) -> bytes:
        if not self._data:
            return b""
        text = b"\n".join(self._data)
        self._data.clear()
        self._data_size = 0
        try:
            event = json.loads(text)
        except ValueError:
            raise self._invalid("an event is not JSON") from None
        if not isinstance(event, Mapping):
            raise self._invalid("an event is not a JSON object")
        base = event.get("base_resp")
        if isinstance(base, Mapping) and base.get("status_code") not in (0, None):
            raise self._event_error(event)
        data = event.get("data")
        if not isinstance(data, Mapping):
            return b""  # e.g. a trailing event with only `extra_info`
        hex_audio = data.get("audio") or ""
        if not isinstance(hex_audio, str):
            raise self._invalid("`data.audio` is not a hex string")
        final = data.get("status") == FINAL_STATUS
        if final:
            self.finished = True
            if self.audio_bytes:
                return b""  # the aggregated repeat of what was already delivered
        try:
            audio = bytes.fromhex(hex_audio)
        except ValueError:
            raise self._invalid("`data.audio` is not hex") from None
        self.audio_bytes += len(audio)
        return audio

    def _invalid(self, what: str) -> errors.InvalidAudioError:
        return errors.InvalidAudioError(
            f"{self._provider} speech synthesis: {what}", status=200, provider=self._provider
        )
