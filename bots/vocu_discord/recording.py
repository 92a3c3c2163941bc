"""A voice client that records instead of sending: the stand-in for a Discord voice connection.

`RecordingVoiceClient` behaves like `discord.VoiceClient` towards the player: ``play(source,
after=)`` starts a thread that pulls 20 ms frames from the real source (optionally paced at real
time like discord's AudioPlayer), then calls ``after(error)`` with the source's FFmpeg error and
cleans the source up — the same order discord.py uses. Each played source becomes a
`RecordedSegment` with a monotonic timestamp per frame, which the benchmark uses for time to first
audio and gaps between items; ``write_ogg`` saves everything as an Ogg Opus file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from .audio import is_ogg_header_packet, opus_packet_samples
from .ogg_opus import SAMPLE_RATE, write_ogg_opus

_LOGGER = logging.getLogger(__name__)

FRAME_SECONDS = 0.020


@dataclass(slots=True)
class RecordedSegment:
    """Everything one ``play`` call sent: Opus packets with the monotonic time each was sent."""

    index: int
    play_called_at: float
    packets: list[bytes] = field(default_factory=list)
    frame_times: list[float] = field(default_factory=list)
    ended_at: float | None = None
    error: Exception | None = None
    stopped: bool = False  # ended by stop() (skip, shutdown) rather than by the end of the audio

    @property
    def frames(self) -> int:
        return len(self.packets)

    @property
    def duration(self) -> float:
        """Seconds of audio in the packets (from their TOC bytes, not a 20 ms assumption)."""
        return sum(opus_packet_samples(p) for p in self.packets) / SAMPLE_RATE

    @property
    def first_frame_at(self) -> float | None:
        return self.frame_times[0] if self.frame_times else None

    @property
    def last_frame_at(self) -> float | None:
        return self.frame_times[-1] if self.frame_times else None


class RecordingVoiceClient:
    """Duck-typed `discord.VoiceClient` for tests, the demo and the benchmark."""

    def __init__(self, *, realtime: bool = True, connected: bool = True) -> None:
        self.realtime = realtime
        self.connected = connected
        self.segments: list[RecordedSegment] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- the VoiceClient surface the player uses -----------------------------------------------

    def is_connected(self) -> bool:
        return self.connected

    def is_playing(self) -> bool:
        # Like AudioPlayer: playback counts as over as soon as the end is flagged, which happens
        # before `after` runs, so `after` may start the next item right away.
        return self._thread is not None and not self._stop.is_set()

    def is_paused(self) -> bool:
        return False

    def play(
        self,
        source: discord.AudioSource,
        *,
        after: Callable[[Exception | None], Any] | None = None,
        **_encoder_options: Any,
    ) -> None:
        if not self.connected:
            raise discord.ClientException("Not connected to voice.")
        if self.is_playing():
            raise discord.ClientException("Already playing audio.")
        if not isinstance(source, discord.AudioSource):
            raise TypeError(f"source must be an AudioSource not {type(source).__name__}")
        with self._lock:
            segment = RecordedSegment(index=len(self.segments), play_called_at=time.monotonic())
            self.segments.append(segment)
        self._stop = threading.Event()
        thread = threading.Thread(
            target=self._pump,
            args=(source, segment, self._stop, after),
            name=f"recording-voice-{segment.index}",
            daemon=True,
        )
        self._thread = thread
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()

    # -- helpers ----------------------------------------------------------------------------

    def join(self, timeout: float | None = None) -> None:
        """Wait for every audio thread (tests call this so no thread outlives them)."""
        for thread in list(self._threads):
            thread.join(timeout)

    @property
    def packets(self) -> list[bytes]:
        return [packet for segment in self.segments for packet in segment.packets]

    def write_ogg(self, path: Path) -> Path:
        """Save everything played so far, back to back, as an Ogg Opus file."""
        return write_ogg_opus(path, self.packets)

    def _pump(
        self,
        source: discord.AudioSource,
        segment: RecordedSegment,
        stop: threading.Event,
        after: Callable[[Exception | None], Any] | None,
    ) -> None:
        error: Exception | None = None
        start = time.perf_counter()
        sent = 0
        try:
            while not stop.is_set():
                packet = source.read()
                if not packet:
                    error = getattr(source, "_current_error", None)
                    break
                if is_ogg_header_packet(packet):
                    continue
                segment.packets.append(packet)
                segment.frame_times.append(time.monotonic())
                sent += 1
                if self.realtime:  # same pacing rule as discord.player.AudioPlayer
                    delay = start + FRAME_SECONDS * sent - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
        except Exception as exc:
            error = exc
        segment.stopped = stop.is_set()
        stop.set()
        segment.error = error
        segment.ended_at = time.monotonic()
        try:
            if after is not None:
                after(error)
        except Exception:
            _LOGGER.exception("Calling the after function failed")
        finally:
            source.cleanup()
