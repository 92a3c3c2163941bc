"""Read a voice sample for cloning: a media-source id, a local file (allowlisted) or a URL.

A local file, given as a path or as a media-source id, is handled by one executor job that
resolves its real path, checks that path against ``allowlist_external_dirs`` (media folders are in
it by default), sniffs the audio type and reads it: nothing blocks the event loop, and a symlink
to ``secrets.yaml`` is never uploaded. URLs and media resolved to a URL are fetched with Home
Assistant's shared session. Every failure is a translated ``ServiceValidationError`` naming the
source, never a traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aiohttp
from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client.redact import redact_url
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core_config import Config

# Voice samples are seconds to minutes of audio; anything far larger is a mistake.
MAX_SAMPLE_BYTES: Final = 50 * 1024 * 1024
FETCH_TIMEOUT: Final = aiohttp.ClientTimeout(total=120)


def _error(key: str, source: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        # A URL may carry a signature; errors end up in logs and the UI.
        translation_placeholders={"source": redact_url(source)},
    )


def is_audio(head: bytes) -> bool:
    """WAV, MP3 (ID3 tag or frame sync), M4A (``ftyp`` box), FLAC or OGG, by magic bytes."""
    return (
        (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[:3] == b"ID3"
        or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
        or head[4:8] == b"ftyp"
        or head[:4] in (b"fLaC", b"OggS")
    )


def _read_local_sample(config: Config, path: Path, source: str) -> bytes:
    """One executor job: resolve the real path, check the allowlist on it, sniff, read.

    The check is made on the resolved path, so a symlink (in a media folder or an allowlisted
    one) to a file outside the allowlist is refused; the file is opened once, by that path.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        raise _error("audio_unreadable", source) from err
    if not config.is_allowed_path(str(real)):
        raise _error("path_not_allowed", source)
    try:
        with real.open("rb") as sample:
            status = os.fstat(sample.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_SAMPLE_BYTES:
                raise _error("audio_unreadable", source)
            data = sample.read(MAX_SAMPLE_BYTES + 1)
    except OSError as err:
        raise _error("audio_unreadable", source) from err
    if len(data) > MAX_SAMPLE_BYTES:
        raise _error("audio_unreadable", source)
    if not is_audio(data[:12]):
        raise _error("not_audio", source)
    return data


async def _read_local(hass: HomeAssistant, path: Path, source: str) -> bytes:
    if not path.is_absolute():
        raise _error("path_not_allowed", source)
    # Raises the translated ServiceValidationError itself (plain objects, safe off the loop).
    return await hass.async_add_executor_job(_read_local_sample, hass.config, path, source)


async def _fetch(hass: HomeAssistant, url: str, source: str) -> bytes:
    session = async_get_clientsession(hass)
    try:
        async with session.get(url, timeout=FETCH_TIMEOUT) as response:
            response.raise_for_status()
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_SAMPLE_BYTES:
                    raise _error("audio_unreadable", source)
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise _error("audio_unreadable", source) from err


async def async_read_audio(hass: HomeAssistant, source: str) -> tuple[bytes, str]:
    """The sample's bytes and a file name for the upload."""
    source = source.strip()
    if media_source.is_media_source_id(source):
        try:
            media = await media_source.async_resolve_media(hass, source, None)
        except (media_source.Unresolvable, HomeAssistantError) as err:
            raise _error("audio_unreadable", source) from err
        if media.path is not None:
            return await _read_local(hass, media.path, source), media.path.name
        url = async_process_play_media_url(hass, media.url)
        return await _fetch(hass, url, source), Path(media.url.split("?")[0]).name or "sample"
    if source.startswith(("http://", "https://")):
        return await _fetch(hass, source, source), Path(source.split("?")[0]).name or "sample"
    path = Path(source)
    return await _read_local(hass, path, source), path.name
