"""The entry's text-to-speech entity: streamed, sentence-pipelined speech in a cloned voice.

Every default that changes the audio is part of ``default_options`` so Home Assistant's TTS cache
key changes with the configuration. Audio from this entity always reaches players through Home
Assistant's own TTS proxy URL (the TTS entity API can only return audio, not a URL for the
player); the API key never leaves Home Assistant. Handing a player the service's signed,
key-free URL instead is the job of the ``vocu.announce`` action (``announce.py``), which speaks
with this entity's voice and settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.components.tts import (
    TextToSpeechEntity,
    TTSAudioResponse,
    TtsAudioType,
)
from homeassistant.components.tts import (
    Voice as TTSVoice,
)
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.core import callback

from .client.deadline import SPEECH_DEADLINE
from .client.errors import PaidOnlyError, VoiceServiceError
from .client.models import SynthesisOptions, Voice
from .client.providers import Capability
from .const import CONF_ASYNC_MODE, CONF_VOICE
from .entity import VocuEntity
from .options import OPTION_DEFAULTS
from .service import audio_options
from .speech_options import LANGUAGE_TAGS, default_language_for, join_voice_id, resolve
from .speech_pipeline import pipelined_speech

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import VocuConfigEntry

_LOGGER = logging.getLogger(__name__)

# Concurrency is enforced by the entry's SynthesisGuard, shared with the services.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VocuConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One TTS entity per account."""
    async_add_entities([VocuTTSEntity(hass, entry)])


class VocuTTSEntity(VocuEntity, TextToSpeechEntity):
    """Speak with the account's voices; the configured voice and settings are the defaults."""

    _attr_translation_key = "tts"

    def __init__(self, hass: HomeAssistant, entry: VocuConfigEntry) -> None:
        super().__init__(entry.runtime_data.coordinator, "tts")
        # Options that change the audio and that the service understands: their configured values
        # are the entity's default_options.
        self._audio_options = audio_options(entry.data)
        self._attr_supported_options = list(self._audio_options)
        # Every service behind the provider interface takes all of our language codes (Noiz
        # maps them to `target_lang`, MiniMax to `language_boost`), so the HA tags are shared.
        self._attr_supported_languages = list(LANGUAGE_TAGS)
        self._entry = entry
        self._data = entry.runtime_data
        self._attr_default_language = default_language_for(hass.config.language)

    @property
    def default_options(self) -> Mapping[str, Any]:
        """The entry's current audio settings, read live so they always match the cache key."""
        options = self._entry.options
        return {key: options.get(key, OPTION_DEFAULTS.get(key)) for key in self._audio_options}

    @callback
    def async_get_supported_voices(self, language: str) -> list[TTSVoice] | None:
        """Every usable voice (the default first), then, where the service has styles, each
        voice's extra styles as "Voice — Style".

        Cloned voices speak every supported language, so the list does not depend on `language`.
        """
        voices = [voice for voice in self.coordinator.data.voices if voice.usable]
        default_id = self._entry.options.get(CONF_VOICE)
        voices.sort(key=lambda voice: (voice.id != default_id, voice.name.casefold()))
        result = [TTSVoice(voice.id, voice.name) for voice in voices]
        if not self._data.client.supports(Capability.STYLES):
            return result
        result.extend(
            TTSVoice(join_voice_id(voice.id, style.id), f"{voice.name} — {style.name}")
            for voice in voices
            for style in voice.styles
            if style.id != "default"
        )
        return result

    def _resolve(self, language: str, options: Mapping[str, Any]) -> tuple[Voice, SynthesisOptions]:
        return resolve(options, self.coordinator.data.voices, language, self.default_language)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """The whole MP3 at once (free accounts fall back to async jobs inside the client)."""
        guard = self._data.guard
        voice, synthesis = self._resolve(language, options)
        guard.check_length(len(message))
        await guard.async_admit(len(message))
        try:
            async with guard.slot():
                audio = await self._data.client.synthesize(
                    message, voice.id, synthesis, deadline=SPEECH_DEADLINE
                )
        except VoiceServiceError as err:
            await guard.async_refund(len(message))
            raise guard.translate(err) from err
        await self.coordinator.async_record_usage(None)
        return "mp3", audio

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Speak text as it arrives: first sentence first, later ones requested while it plays."""
        voice, synthesis = self._resolve(request.language, request.options)
        if self._entry.data.get(CONF_ASYNC_MODE):
            # Async-job accounts cannot stream: collect the text and synthesize it whole.
            return await super().async_stream_tts_audio(request)
        guard = self._data.guard
        return TTSAudioResponse(
            "mp3",
            pipelined_speech(
                request.message_gen,
                self._stream_request(voice, synthesis),
                lookahead=min(2, guard.concurrency) + 1,
                check_total=guard.check_length,
            ),
        )

    @callback
    def _switch_to_async_mode(self) -> None:
        if not self._entry.data.get(CONF_ASYNC_MODE):
            _LOGGER.info("Vocu refused synchronous generation (unpaid account): using async jobs")
            self.hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, CONF_ASYNC_MODE: True}
            )

    def _stream_request(
        self, voice: Voice, synthesis: SynthesisOptions
    ) -> Callable[[str, Callable[[bytes], None]], Any]:
        guard = self._data.guard
        client = self._data.client
        coordinator = self.coordinator

        async def synthesize(text: str, emit: Callable[[bytes], None]) -> None:
            await guard.async_admit(len(text))
            delivered = 0
            result = None
            try:
                try:
                    async with (
                        guard.slot(),
                        client.stream_speech(
                            text, voice.id, synthesis, deadline=SPEECH_DEADLINE
                        ) as stream,
                    ):
                        async for chunk in stream:
                            delivered += len(chunk)
                            emit(chunk)
                    result = stream.result
                except PaidOnlyError:
                    # The account did not say it was unpaid when it was added (no `isPaid`):
                    # the refusal tells us now. Speak through a job, and from now on go there.
                    self._switch_to_async_mode()
                    async with guard.slot():
                        emit(
                            await client.synthesize(
                                text, voice.id, synthesis, deadline=SPEECH_DEADLINE
                            )
                        )
            except VoiceServiceError as err:
                if not delivered:
                    await guard.async_refund(len(text))
                raise guard.translate(err) from err
            await coordinator.async_record_usage(result)

        return synthesize
