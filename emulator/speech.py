"""Real speech for the emulator: libespeak-ng (ctypes) → 16-bit PCM → FFmpeg/libmp3lame → MP3.

espeak-ng keeps global state and is not thread-safe, so every call runs on one dedicated worker
thread (created, and espeak initialised, by `start()` before any test runs — the Home Assistant
harness rejects threads that appear during a test). MP3 encoding runs FFmpeg as an asyncio
subprocess. Results are cached (LRU) because tests synthesise the same sentences again and again.
"""

from __future__ import annotations

import asyncio
import ctypes
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

SAMPLE_RATE = 22050
CHANNELS = 1
BIT_DEPTH = 16
MP3_BITRATE = "48k"

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True, slots=True)
class Sound:
    """How a voice sounds: espeak voice name, pitch (0–100) and words per minute."""

    espeak: str = "en-us"
    pitch: int = 50
    rate: int = 175

    def for_text(self, text: str) -> Sound:
        if _CJK.search(text) and not self.espeak.startswith(("cmn", "yue", "ja")):
            return Sound("cmn", self.pitch, self.rate)
        return self


class _Espeak:
    """The loaded library; only ever touched from the speech worker thread."""

    def __init__(self) -> None:
        import espeakng_loader  # noqa: PLC0415 - optional dependency, loaded on the worker

        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        rate = self._lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise")
        self.sample_rate = rate
        self._buffer = bytearray()
        self._callback = _SynthCallback(self._collect)  # keep a reference: C holds the pointer
        self._lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes.Array, samples: int, _events: int) -> int:
        if samples > 0 and wav:
            self._buffer += ctypes.string_at(wav, samples * 2)
        return 0  # 0 = continue

    def synth(self, text: str, sound: Sound) -> bytes:
        if self._lib.espeak_SetVoiceByName(sound.espeak.encode()) != 0:
            self._lib.espeak_SetVoiceByName(b"en-us")
        self._lib.espeak_SetParameter(_PARAM_RATE, sound.rate, 0)
        self._lib.espeak_SetParameter(_PARAM_PITCH, sound.pitch, 0)
        self._buffer = bytearray()
        data = text.encode() + b"\0"
        self._lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
        )
        self._lib.espeak_Synchronize()
        pcm = bytes(self._buffer)
        self._buffer = bytearray()
        return pcm


class SpeechEngine:
    """Synthesises PCM and MP3; `start()` it from the thread that owns the event loop."""

    def __init__(self, cache_size: int = 128) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._espeak: _Espeak | None = None
        self._espeak_lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, Sound, str], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._pending: dict[tuple[str, Sound, str], asyncio.Future[bytes]] = {}

    def start(self) -> None:
        """Create the worker thread and initialise espeak there (blocking, done once)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vocu-espeak")
            self._executor.submit(self._init).result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _init(self) -> None:
        with self._espeak_lock:
            if self._espeak is None:
                self._espeak = _Espeak()

    def _synth_blocking(self, text: str, sound: Sound) -> bytes:
        with self._espeak_lock:
            if self._espeak is None:
                self._espeak = _Espeak()
            return self._espeak.synth(text, sound)

    async def pcm(self, text: str, sound: Sound) -> bytes:
        """16-bit little-endian mono PCM at `SAMPLE_RATE`."""
        return await self._cached(("pcm", text, sound), self._make_pcm)

    async def mp3(self, text: str, sound: Sound) -> bytes:
        return await self._cached(("mp3", text, sound), self._make_mp3)

    async def _make_pcm(self, text: str, sound: Sound) -> bytes:
        self.start()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self._synth_blocking, text, sound.for_text(text)
        )

    async def _make_mp3(self, text: str, sound: Sound) -> bytes:
        return await encode_mp3(await self.pcm(text, sound))

    async def _cached(self, key: tuple, make) -> bytes:  # type: ignore[no-untyped-def]
        kind, text, sound = key
        cache_key = (text, sound, kind)
        if cache_key in self._cache:
            self._cache.move_to_end(cache_key)
            return self._cache[cache_key]
        pending = self._pending.get(cache_key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[cache_key] = future
        try:
            result = await make(text, sound)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # mark retrieved: nobody else may be waiting
            raise
        finally:
            self._pending.pop(cache_key, None)
        future.set_result(result)
        self._cache[cache_key] = result
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result


async def encode_mp3(pcm: bytes) -> bytes:
    """Encode mono 16-bit PCM to MP3 with the bundled FFmpeg binary."""
    import imageio_ffmpeg  # noqa: PLC0415 - optional dependency

    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "s16le",
        "-ar",
        str(SAMPLE_RATE),
        "-ac",
        str(CHANNELS),
        "-i",
        "pipe:0",
        "-c:a",
        "libmp3lame",
        "-b:a",
        MP3_BITRATE,
        "-f",
        "mp3",
        "pipe:1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(pcm)
    if process.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')[-300:]}")
    return out
