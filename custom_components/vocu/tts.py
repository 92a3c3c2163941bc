"""The entry's text-to-speech entity: streamed, sentence-pipelined speech in a cloned voice.

Every default that changes the audio is part of ``default_options`` so Home Assistant's TTS cache
key changes with the configuration. Audio from this entity always reaches players through Home
Assistant's own TTS proxy URL (the TTS entity API can only return audio, not a URL for the
player); the API key never leaves Home Assistant. Handing a player the service's signed,
key-free URL instead is the job of the ``vocu.announce`` action (``announce.py``), which speaks
with this entity's voice and settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from functools import partial
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
from homeassistant.exceptions import HomeAssistantError

from .client.deadline import SPEECH_DEADLINE
from .client.errors import PaidOnlyError, VoiceServiceError
from .client.models import SynthesisOptions, Voice
from .client.providers import Capability
from .client.speakable import MarkdownCleaner, speakable
from .const import CONF_ASYNC_MODE, CONF_SPEAKABLE, CONF_VOICE
from .entity import VocuEntity
from .fallback import CANNOT_SPEAK, fallback_audio, fallback_engine
from .options import OPTION_DEFAULTS
from .profiles import async_add_profile_entities, profile_device_info
from .service import audio_options
from .speech_options import LANGUAGE_TAGS, default_language_for, join_voice_id, resolve
from .speech_pipeline import pipelined_speech
from .spoken import Announcement

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry
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
    """One TTS entity per account, and one per voice profile (config subentry) of it."""
    async_add_entities([VocuTTSEntity(hass, entry)])
    async_add_profile_entities(
        hass, entry, async_add_entities, partial(VocuProfileTTSEntity, hass, entry)
    )


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
    def available(self) -> bool:
        """Speaking does not depend on the account poll: a failed poll (a 503, a network blip)
        must not make Home Assistant skip this entity in `tts.speak`. Only a refused key makes
        it unavailable, and not even that when a fallback engine can speak meanwhile; a
        synthesis that fails raises its own translated error."""
        return not self.coordinator.auth_failed or fallback_engine(self._entry) is not None

    def async_supports_streaming_input(self) -> bool:
        """Async-job accounts collect the whole text first (as Wyoming does without streaming)."""
        return not self._entry.data.get(CONF_ASYNC_MODE)

    @property
    def default_options(self) -> Mapping[str, Any]:
        """The entry's current audio settings, read live so they always match the cache key."""
        options = self._settings
        return {key: options.get(key, OPTION_DEFAULTS.get(key)) for key in self._audio_options}

    @property
    def _settings(self) -> Mapping[str, Any]:
        """Where this entity's voice and audio settings are stored: the entry's options."""
        return self._entry.options

    @callback
    def async_get_supported_voices(self, language: str) -> list[TTSVoice] | None:
        """Every usable voice (the default first), then, where the service has styles, each
        voice's extra styles as "Voice — Style".

        Cloned voices speak every supported language, so the list does not depend on `language`.
        """
        voices = [voice for voice in self.coordinator.data.voices if voice.usable]
        default_id = self._settings.get(CONF_VOICE)
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

    @property
    def _speakable(self) -> bool:
        return bool(self._entry.options.get(CONF_SPEAKABLE, OPTION_DEFAULTS[CONF_SPEAKABLE]))

    def _resolve(self, language: str, options: Mapping[str, Any]) -> tuple[Voice, SynthesisOptions]:
        return resolve(options, self.coordinator.data.voices, language, self.default_language)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """The whole MP3 at once (free accounts fall back to async jobs inside the client)."""
        guard = self._data.guard
        voice, synthesis = self._resolve(language, options)
        guard.check_length(len(message))
        if self._speakable:
            message = speakable(message) or message
        await guard.async_admit(len(message))
        try:
            async with guard.slot():
                audio = await self._data.client.synthesize(
                    message, voice.id, synthesis, deadline=SPEECH_DEADLINE
                )
        except VoiceServiceError as err:
            await guard.async_refund(len(message))
            translated = guard.translate(err)
            announcement = Announcement(self.entity_id, voice.id)
            chunks: list[bytes] = []
            await self._async_fallback(message, err, translated, chunks.append, announcement)
            self._data.speech_log.async_spoken(announcement)
            return "mp3", b"".join(chunks)
        except asyncio.CancelledError:
            await guard.async_refund(len(message))
            raise
        announcement = Announcement(self.entity_id, voice.id)
        announcement.request(len(message)).audio(audio)  # a whole-file call reports no cost
        self._data.speech_log.async_spoken(announcement)
        await self.coordinator.async_record_usage(None)
        return "mp3", audio

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Speak text as it arrives: first sentence first, later ones requested while it plays."""
        voice, synthesis = self._resolve(request.language, request.options)
        if self._entry.data.get(CONF_ASYNC_MODE):
            # Async-job accounts cannot stream: collect the text and synthesize it whole.
            return await super().async_stream_tts_audio(request)
        guard = self._data.guard
        announcement = Announcement(self.entity_id, voice.id)
        return TTSAudioResponse(
            "mp3",
            self._reported(
                pipelined_speech(
                    request.message_gen,
                    self._stream_request(voice, synthesis, announcement),
                    lookahead=min(2, guard.concurrency) + 1,
                    check_total=guard.check_length,
                    cleaner=MarkdownCleaner() if self._speakable else None,
                ),
                announcement,
            ),
        )

    async def _reported(
        self, audio: AsyncGenerator[bytes], announcement: Announcement
    ) -> AsyncGenerator[bytes]:
        """Pass the audio through; once all of it was spoken, report what it cost (an error or
        a listener that stops early reports nothing: that announcement was not spoken)."""
        async with aclosing(audio):  # a listener that stops must stop the requests at once
            async for chunk in audio:
                yield chunk
        if announcement.requests:
            self._data.speech_log.async_spoken(announcement)

    async def _async_fallback(
        self,
        text: str,
        err: VoiceServiceError,
        translated: HomeAssistantError,
        emit: Callable[[bytes], None],
        announcement: Announcement,
    ) -> None:
        """Say ``text`` with the fallback engine when the service cannot speak, else raise the
        translated error (also when the fallback fails: the service's error is the news)."""
        engine = fallback_engine(self._entry)
        if engine is None or not isinstance(err, CANNOT_SPEAK):
            raise translated from err
        cost = announcement.request(len(text))
        try:
            async for chunk in fallback_audio(self.hass, engine, text):
                cost.audio(chunk)
                emit(chunk)
        except HomeAssistantError as fallback_err:
            _LOGGER.warning("The fallback engine %s failed too: %s", engine, fallback_err)
            raise translated from err
        announcement.fallback = True
        self._data.fallback.async_used(engine, err)

    @callback
    def _switch_to_async_mode(self) -> None:
        if not self._entry.data.get(CONF_ASYNC_MODE):
            _LOGGER.info("Vocu refused synchronous generation (unpaid account): using async jobs")
            self.hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, CONF_ASYNC_MODE: True}
            )

    def _stream_request(
        self, voice: Voice, synthesis: SynthesisOptions, announcement: Announcement
    ) -> Callable[[str, Callable[[bytes], None]], Any]:
        guard = self._data.guard
        client = self._data.client
        coordinator = self.coordinator

        async def synthesize(text: str, pass_on: Callable[[bytes], None]) -> None:
            await guard.async_admit(len(text))
            cost = announcement.request(len(text))
            delivered = 0
            result = None

            def emit(chunk: bytes) -> None:
                cost.audio(chunk)
                pass_on(chunk)

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
                translated = guard.translate(err)
                if delivered:  # part of this request was heard: too late to switch voices
                    raise translated from err
                await guard.async_refund(len(text))
                announcement.requests.remove(cost)
                await self._async_fallback(text, err, translated, pass_on, announcement)
                return
            except asyncio.CancelledError:
                # A sentence fetched ahead of a stream the listener stopped: nothing was spoken.
                if not delivered:
                    await guard.async_refund(len(text))
                raise
            cost.finish(result)
            await coordinator.async_record_usage(result)

        return synthesize


class VocuProfileTTSEntity(VocuTTSEntity):
    """A voice profile: the account's engine with the profile's own voice and audio settings,
    on a device of its own named after the profile ("Kitchen — calm Text-to-speech"; a TTS
    engine must have a name of its own). Caps, fallback and text cleaning are the entry's."""

    def __init__(
        self, hass: HomeAssistant, entry: VocuConfigEntry, profile: ConfigSubentry
    ) -> None:
        super().__init__(hass, entry)
        self._profile = profile
        self._attr_unique_id = profile.subentry_id
        self._attr_device_info = profile_device_info(hass, self.coordinator, profile)

    @property
    def _settings(self) -> Mapping[str, Any]:
        return self._profile.data
