"""Read a voice sample for cloning: a media-source id, a local file (allowlisted) or a URL.

Files are read in the executor (no blocking I/O in the event loop); URLs and media resolved to a
URL are fetched with Home Assistant's shared session. Every failure is a translated
``ServiceValidationError`` naming the source, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import aiohttp
from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client.redact import redact_url
from .const import DOMAIN

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


def _read_file(path: Path) -> bytes:
    if path.stat().st_size > MAX_SAMPLE_BYTES:
        raise ValueError("too large")
    return path.read_bytes()


async def _read_local(hass: HomeAssistant, path: Path, source: str) -> bytes:
    try:
        return await hass.async_add_executor_job(_read_file, path)
    except (OSError, ValueError) as err:
        raise _error("audio_unreadable", source) from err


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
    if not path.is_absolute() or not hass.config.is_allowed_path(str(path)):
        raise _error("path_not_allowed", source)
    return await _read_local(hass, path, source), path.name
