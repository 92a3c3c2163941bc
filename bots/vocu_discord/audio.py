"""FFmpeg Opus sources fed from signed, key-free stream URLs.

The API key never reaches FFmpeg: the bot asks the service for a signed stream URL
(`client.create_stream_url`) and hands only that URL to FFmpeg. The signed URL itself grants access
to the audio for a while, so every command line or FFmpeg message that may reach a log or an
exception passes through the core's redaction first (discord.py's own spawn log would print it raw,
which is why `_spawn_process` is overridden).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import discord
from discord.player import CREATE_NO_WINDOW
from vocu_client.errors import InvalidAudioError
from vocu_client.models import GenerationResult
from vocu_client.providers import Capability
from vocu_client.redact import redact_text, redact_url

if TYPE_CHECKING:
    from vocu_client.providers import VoiceProvider

    from .speech_queue import SpeechItem
    from .synthesis_slots import SynthesisSlots

_LOGGER = logging.getLogger(__name__)

# Reconnect when a connection fails or drops and the stream can be resumed (HTTP Range); probe as
# little as possible so the first Opus frame leaves FFmpeg quickly; never wait forever on a silent
# socket (rw_timeout is in microseconds). All accepted by FFmpeg 9's http protocol. Deliberately
# NOT used, after trying them against the emulator with FFmpeg 9.0.2:
# - `-reconnect_streamed 1`: a live TTS stream without Range support is fetched again from byte 0,
#   so a drop mid-item replays the start of the sentence, and a server that keeps dropping makes
#   FFmpeg loop for ever (every reconnect delivers data, so the retry limit never trips).
# - `-fflags nobuffer`: makes the MP3 demuxer lose most of a short stream.
# The input format is given (`-f mp3`), so 2 kB of probing (one MP3 frame header) is enough; 32k
# waited for ~0.6 s more of a stream that arrives at speaking pace.
STREAM_BEFORE_OPTIONS = (
    "-hide_banner -nostdin"
    " -reconnect 1 -reconnect_on_network_error 1"
    " -reconnect_delay_max 2 -reconnect_max_retries 2"
    " -rw_timeout 20000000"
    " -probesize 2048 -analyzeduration 0"
)
# The Ogg muxer holds packets until a page spans up to 1 s of audio, so the first Opus frame would
# leave FFmpeg only after a second of speech had arrived; one page per 20 ms packet removes that.
STREAM_OUTPUT_OPTIONS = "-page_duration 20000 -flush_packets 1"
# The Opus encoder, tuned for speech. discord.py's FFmpegOpusAudio encodes for music: stereo,
# `-application audio`, 128 kb/s (96 was our setting) and libopus's slowest, best analysis
# (compression level 10), with in-band FEC (`-fec true -packet_loss 15`), which we keep: Discord
# voice is lossy UDP, and FEC lets a client rebuild a lost 20 ms packet from the next one. FFmpeg
# is ~90 % of the CPU a speaking server costs (one per message: start-up, MP3 decode, Opus encode).
# Measured (FFmpeg 9.0.2's libopus, docs/benchmarks.md): encoding 24 s of speech took 0.50 s of CPU
# with discord.py's settings and 0.37 s with these (-26 %); bench/bench_discord_scale.py, short
# messages: about 34 players per core instead of 27 (five-sentence messages: ~45 instead of ~35).
# - mono: text-to-speech is mono; a second, identical channel costs ~5 % more for nothing.
#   Discord's own clients send mono Opus, and every Opus decoder plays a mono packet on stereo
#   output (RFC 6716 §3.1: the channel count is per packet; tests/bot/test_audio_encoder.py).
# - `voip`: libopus's speech tuning (intelligibility over faithfulness); CPU-neutral.
# - 64 kb/s: Opus's recommended settings put fullband speech at 28-40 kb/s; 64 leaves room for
#   the FEC copy and for rich voices, and keeps libopus in the hybrid mode that carries FEC.
# - compression level 5: most of the saving (10 → 5: about -20 % encoder CPU). 4-5 is libopus's
#   lowest level that keeps SILK's frequency-warped noise shaping and delayed-decision
#   quantisation (silk/control_codec.c); 3 measured a further ~10 % but drops both. Operators
#   choose with DISCORD_OPUS_COMPLEXITY (config.py).
# - 20 ms frames, stated: discord.py sends one packet every 20 ms, whatever the encoder's default.
# Rejected: `-fec false` (with these settings only ~5-15 % cheaper, and a lost packet is then
# only concealed); `-packet_loss 5` at 96 kb/s stereo (libopus judges FEC not worth it and drops
# to CELT-only: cheaper, but no FEC, and 140 kb/s); `-ar 24000` (no measurable gain).
OPUS_CHANNELS = 1
OPUS_BITRATE_KBPS = 64
OPUS_APPLICATION = "voip"
OPUS_FRAME_MS = 20
DEFAULT_OPUS_COMPLEXITY = 5  # FFmpeg's -compression_level, 0 (fastest) … 10 (best, libopus default)


def encoder_options(complexity: int = DEFAULT_OPUS_COMPLEXITY) -> str:
    """FFmpeg output options after discord.py's own (a later option wins in FFmpeg)."""
    return (
        f"-application {OPUS_APPLICATION} -compression_level {complexity}"
        f" -frame_duration {OPUS_FRAME_MS}"
    )


def with_output_channels(args: list[str], channels: int) -> list[str]:
    """discord.py always asks FFmpeg for stereo (`-ac 2`); set the count in place, because a
    second `-ac` in the options would work but make FFmpeg warn on every start."""
    output_start = args.index("-i") + 2 if "-i" in args else 0
    for index in range(output_start, len(args) - 1):
        if args[index] == "-ac":
            args[index + 1] = str(channels)
            return args
    return [*args[:-1], "-ac", str(channels), args[-1]]  # before the output, `pipe:1`


STDERR_TAIL_BYTES = 2000
DIAGNOSTIC_HISTORY = 100
EXIT_WAIT_SECONDS = 2.0
# How long after its issue a signed URL is trusted for a replay after a voice drop. Vocu documents
# no lifetime for its signed URLs; a reconnect takes seconds, so a few minutes is a safe guess. A
# URL that states its expiry (`Expires=`, unix seconds, as MiniMax's storage links) is trusted
# until then, less a margin for the time FFmpeg needs to open it.
SIGNED_URL_REPLAY_WINDOW = 300.0
SIGNED_URL_EXPIRY_MARGIN = 30.0


def find_ffmpeg() -> str | None:
    """FFmpeg on PATH, else the binary bundled with the imageio-ffmpeg wheel, else None."""
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg  # noqa: PLC0415 - optional: only needed when PATH has no FFmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None


class SignedStreamOpusAudio(discord.FFmpegOpusAudio):
    """`FFmpegOpusAudio` that keeps its signed URL out of logs; FFmpeg errors come redacted."""

    def __init__(
        self,
        url: str | IO[bytes],
        *,
        executable: str,
        before_options: str = STREAM_BEFORE_OPTIONS,
        input_format: str | None = "mp3",
        bitrate: int = OPUS_BITRATE_KBPS,
        opus_complexity: int = DEFAULT_OPUS_COMPLEXITY,
        pipe: bool = False,
    ) -> None:
        # pipe=True: `url` is a file-like object FFmpeg reads on stdin (`-i -`), nothing to hide.
        self._secrets: tuple[str, ...] = () if pipe else (str(url),)
        self._cleanup_lock = threading.Lock()
        self._cleaned = False
        self.command_line: tuple[str, ...] = ()
        # A real file (not a pipe) so FFmpeg's messages are kept without a reader thread per source.
        self._stderr_file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in cleanup
        before = before_options + (f" -f {shlex.quote(input_format)}" if input_format else "")
        try:
            super().__init__(
                url,
                executable=executable,
                before_options=before,
                bitrate=bitrate,
                stderr=self._stderr_file,
                options=f"{STREAM_OUTPUT_OPTIONS} {encoder_options(opus_complexity)}",
                pipe=pipe,
            )
        except BaseException:
            self._stderr_file.close()
            raise

    @property
    def pid(self) -> int | None:
        process = getattr(self, "_process", None)
        return getattr(process, "pid", None)

    @property
    def redacted_command(self) -> str:
        return redact_text(shlex.join(self.command_line), self._secrets)

    def _spawn_process(self, args: Any, **subprocess_kwargs: Any) -> subprocess.Popen:
        args = with_output_channels(list(args), OPUS_CHANNELS)
        self.command_line = tuple(str(arg) for arg in args)
        _LOGGER.debug("Spawning FFmpeg: %s", self.redacted_command)
        try:
            return subprocess.Popen(args, creationflags=CREATE_NO_WINDOW, **subprocess_kwargs)
        except FileNotFoundError:
            raise discord.ClientException(f"{args[0]} was not found.") from None
        except subprocess.SubprocessError as exc:
            raise discord.ClientException(f"FFmpeg could not start: {type(exc).__name__}") from exc

    def read(self) -> bytes:
        packet = next(self._packet_iter, b"")
        if not packet:
            # FFmpeg closes stdout a moment before it exits; without waiting, a failed run (HTTP
            # error, broken stream) would look like a clean end and its error would be lost.
            with contextlib.suppress(subprocess.TimeoutExpired, AttributeError):
                self._process.wait(timeout=EXIT_WAIT_SECONDS)
            self._check_process_returncode()
        return packet

    def _check_process_returncode(self) -> None:
        had_error = self._current_error is not None
        super()._check_process_returncode()
        if self._current_error is not None and not had_error:
            code = getattr(self._process, "returncode", None)
            self._current_error = discord.FFmpegProcessError(
                f"FFmpeg exited with code {code}: {self.stderr_tail() or '<no output>'}"
            )

    def stderr_tail(self) -> str:
        """The end of FFmpeg's messages, with the signed URL and any credential redacted."""
        try:
            self._stderr_file.seek(0, 2)
            size = self._stderr_file.tell()
            self._stderr_file.seek(max(0, size - STDERR_TAIL_BYTES))
            text = self._stderr_file.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return redact_text(text, self._secrets)

    def cleanup(self) -> None:
        """Kill and reap FFmpeg; idempotent and safe from both the audio thread and the player."""
        with self._cleanup_lock:
            if self._cleaned:
                return
            self._cleaned = True
            try:
                super().cleanup()
            finally:
                self._stderr_file.close()


def signed_url_deadline(url: str, now: float | None = None) -> float:
    """Wall-clock time until which ``url`` can be fetched again (see SIGNED_URL_REPLAY_WINDOW)."""
    issued = time.time() if now is None else now
    query = {key.lower(): values for key, values in parse_qs(urlsplit(url).query).items()}
    try:
        return float(query["expires"][0]) - SIGNED_URL_EXPIRY_MARGIN
    except (KeyError, IndexError, ValueError):
        return issued + SIGNED_URL_REPLAY_WINDOW


@dataclass(slots=True)
class PreparedAudio:
    """A source whose FFmpeg is already pulling the stream, plus what the service said about it."""

    source: discord.AudioSource
    result: GenerationResult | None = None
    # Opens the same audio again — the signed URL, no new synthesis, no new bill — for a replay
    # after a voice drop. None for piped audio: fetching it again would mean paying again.
    reopen: Callable[[], Awaitable[PreparedAudio]] | None = None
    reopen_until: float = 0.0  # wall clock (time.time()); past it the URL may be refused

    def replayable(self, now: float | None = None) -> bool:
        return self.reopen is not None and (time.time() if now is None else now) < self.reopen_until

    def discard(self) -> None:
        """Kill and reap FFmpeg for a source that will never be played."""
        self.source.cleanup()


SourceFactory = Callable[["VoiceProvider", "SpeechItem"], Awaitable[PreparedAudio]]


class StreamSourceFactory:
    """Default `SourceFactory`: a key-free URL from the service (Vocu's signed stream URL,
    MiniMax's audio_url), then FFmpeg on that URL; services without one (Noiz) have their MP3
    stream piped into FFmpeg's stdin by `audio_pipe`. The key is never on a command line."""

    def __init__(
        self,
        *,
        executable: str | None = None,
        before_options: str = STREAM_BEFORE_OPTIONS,
        bitrate: int = OPUS_BITRATE_KBPS,
        opus_complexity: int = DEFAULT_OPUS_COMPLEXITY,
        slots: SynthesisSlots | None = None,
    ) -> None:
        self.executable = executable or find_ffmpeg() or "ffmpeg"
        self.before_options = before_options
        self.bitrate = bitrate
        self.opus_complexity = opus_complexity
        # Shared by every guild's player (and /tts file): the account's concurrency quota.
        self.slots = slots
        # For leak checks and diagnostics: every process spawned, and its (unredacted) command line.
        # Bounded: one factory serves every guild for the life of the process.
        self.spawned_pids: deque[int] = deque(maxlen=DIAGNOSTIC_HISTORY)
        self.command_lines: deque[tuple[str, ...]] = deque(maxlen=DIAGNOSTIC_HISTORY)

    async def __call__(self, client: VoiceProvider, item: SpeechItem) -> PreparedAudio:
        if not client.supports(Capability.SIGNED_URLS):
            from .audio_pipe import piped_source  # noqa: PLC0415 - builds on this module

            return await piped_source(self, client, item)
        async with self.synthesis_slot():
            result = await client.create_stream_url(item.text, item.voice_id, item.options)
        url = result.playable_url
        if not url:
            raise InvalidAudioError("The service returned no stream URL for this text.")
        _LOGGER.debug("Stream URL for %r: %s", item, redact_url(url))
        return await self._signed(url, result, signed_url_deadline(url))

    async def _signed(self, url: str, result: GenerationResult, until: float) -> PreparedAudio:
        source = await self.spawn(lambda: self._open(url))
        return PreparedAudio(
            source=source,
            result=result,
            reopen=lambda: self._signed(url, result, until),
            reopen_until=until,
        )

    def synthesis_slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.slots.slot() if self.slots is not None else contextlib.nullcontext()

    async def spawn(
        self, open_source: Callable[[], SignedStreamOpusAudio]
    ) -> SignedStreamOpusAudio:
        """Start FFmpeg off the event loop; if the caller is cancelled meanwhile, the process is
        still waited for and reaped rather than leaked."""
        spawn = asyncio.get_running_loop().run_in_executor(None, open_source)
        try:
            source = await asyncio.shield(spawn)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                (await spawn).cleanup()
            raise
        if source.pid is not None:
            self.spawned_pids.append(source.pid)
        self.command_lines.append(source.command_line)
        return source

    def _open(self, url: str) -> SignedStreamOpusAudio:
        return SignedStreamOpusAudio(
            url,
            executable=self.executable,
            before_options=self.before_options,
            bitrate=self.bitrate,
            opus_complexity=self.opus_complexity,
        )


def opus_packet_samples(packet: bytes, sample_rate: int = 48_000) -> int:
    """Samples per channel one Opus packet decodes to, from its TOC byte (RFC 6716 §3.1)."""
    if not packet:
        return 0
    toc = packet[0]
    config = toc >> 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame_ms: float = (10, 20, 40, 60)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame_ms = (10, 20)[config % 2]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame_ms = (2.5, 5, 10, 20)[config % 4]
    code = toc & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        frames = packet[1] & 0x3F if len(packet) > 1 else 0
    return int(sample_rate * frame_ms / 1000) * frames


def is_ogg_header_packet(packet: bytes) -> bool:
    """discord.py's Ogg demuxer also yields the OpusHead/OpusTags headers; they are not audio."""
    return packet.startswith((b"OpusHead", b"OpusTags"))
