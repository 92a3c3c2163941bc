"""Turn Home Assistant TTS options (entry defaults merged with per-call options) into a request.

Validation lives here so the entity reports a bad voice, style or value as a translated
``ServiceValidationError`` before anything is sent (and billed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import probatio as vol
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .client.models import EMOTIONS, LANGUAGES, PRESETS, SynthesisOptions, Voice
from .client.wire import MAX_SEED, MIN_SEED
from .const import (
    CONF_EMOTION,
    CONF_FLASH,
    CONF_LANGUAGE,
    CONF_PRESET,
    CONF_SEED,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
    DEFAULT_LANGUAGE,
    DEFAULT_STYLE,
    DOMAIN,
    VOICE_STYLE_SEPARATOR,
)

# Home Assistant language tags → Vocu `language` codes. HA has no "auto" tag, so auto-detection is
# what the `language` option (default "auto") is for; an HA tag only picks a Vocu language when a
# caller explicitly asks for a language other than the entity's default (see `vocu_language`).
# Mandarin tags map to `zh`; Hong Kong Chinese maps to Cantonese (`yue`).
LANGUAGE_TAGS: Final[Mapping[str, str]] = {
    "zh": "zh",
    "zh-CN": "zh",
    "zh-Hans": "zh",
    "zh-TW": "zh",
    "zh-Hant": "zh",
    "yue": "yue",
    "zh-HK": "yue",
    "en": "en-us",
    "en-US": "en-us",
    "en-GB": "en-us",
    "ja": "ja",
    "ja-JP": "ja",
    "ko": "ko",
    "ko-KR": "ko",
    "fr": "fr-fr",
    "fr-FR": "fr-fr",
    "pt": "pt",
    "pt-BR": "pt",
    "pt-PT": "pt",
    "de": "de",
    "de-DE": "de",
    "es": "es",
    "es-ES": "es",
}
FALLBACK_LANGUAGE: Final = "en"

SPEED_RANGE: Final = (0.5, 2.0)


def _emotion(value: Any) -> list[int]:
    """Five weights 0-10, as a list or a comma-separated string (YAML-friendly)."""
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    weights: list[int] = vol.Schema([vol.All(vol.Coerce(int), vol.Range(min=0, max=10))])(value)
    if len(weights) != len(EMOTIONS):
        raise vol.Invalid(f"expected {len(EMOTIONS)} weights ({', '.join(EMOTIONS)})")
    return weights


OPTIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(CONF_VOICE): vol.Any(None, cv.string),
        vol.Optional(CONF_STYLE): vol.Any(None, cv.string),
        vol.Optional(CONF_PRESET): vol.Any(None, vol.In(PRESETS)),
        vol.Optional(CONF_LANGUAGE): vol.Any(None, vol.In(LANGUAGES)),
        vol.Optional(CONF_SPEED): vol.Any(
            None, vol.All(vol.Coerce(float), vol.Range(min=SPEED_RANGE[0], max=SPEED_RANGE[1]))
        ),
        vol.Optional(CONF_FLASH): vol.Any(None, cv.boolean),
        vol.Optional(CONF_SEED): vol.Any(
            None, vol.All(vol.Coerce(int), vol.Range(min=MIN_SEED, max=MAX_SEED))
        ),
        vol.Optional(CONF_VIVID): vol.Any(None, cv.boolean),
        vol.Optional(CONF_EMOTION): vol.Any(None, _emotion),
    },
    extra=vol.ALLOW_EXTRA,  # preferred_format & co. are Home Assistant's, not ours
)


def default_language_for(ha_language: str) -> str:
    """The entity's default HA language: the instance's own when Vocu speaks it."""
    return ha_language if ha_language in LANGUAGE_TAGS else FALLBACK_LANGUAGE


def vocu_language(option: str | None, ha_language: str, default_ha_language: str) -> str | None:
    """The Vocu `language` to send; None lets the service detect it."""
    code = option or DEFAULT_LANGUAGE
    if code == DEFAULT_LANGUAGE and ha_language != default_ha_language:
        code = LANGUAGE_TAGS.get(ha_language, DEFAULT_LANGUAGE)
    return None if code == DEFAULT_LANGUAGE else code


def split_voice_id(value: str) -> tuple[str, str | None]:
    """``"<voice>|<style>"`` → (voice, style); a plain voice id → (voice, None)."""
    voice_id, separator, style_id = value.partition(VOICE_STYLE_SEPARATOR)
    return voice_id, (style_id or None) if separator else None


def join_voice_id(voice_id: str, style_id: str) -> str:
    return f"{voice_id}{VOICE_STYLE_SEPARATOR}{style_id}"


def resolve(
    options: Mapping[str, Any],
    voices: tuple[Voice, ...],
    ha_language: str,
    default_ha_language: str,
) -> tuple[Voice, SynthesisOptions]:
    """The voice and synthesis options a request will use; translated errors for bad input.

    A style embedded in the voice id ("Voice — Style" picked in Assist) wins over the `style`
    option, because it is the more specific choice.
    """
    try:
        valid = OPTIONS_SCHEMA(dict(options))
    except vol.Invalid as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_option",
            translation_placeholders={"error": str(err)},
        ) from err

    requested = valid.get(CONF_VOICE)
    if not requested:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_voice")
    voice_id, embedded_style = split_voice_id(requested)
    voice = next((v for v in voices if v.id == voice_id), None)
    if voice is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_voice",
            translation_placeholders={"voice": voice_id},
        )
    if not voice.usable:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="voice_not_usable",
            translation_placeholders={"voice": voice.name, "status": voice.status},
        )
    style_id = embedded_style or valid.get(CONF_STYLE) or DEFAULT_STYLE
    if voice.styles and voice.style(style_id) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_style",
            translation_placeholders={"voice": voice.name, "style": style_id},
        )

    emotion = valid.get(CONF_EMOTION)
    return voice, SynthesisOptions(
        style_id=style_id,
        preset=valid.get(CONF_PRESET),
        language=vocu_language(valid.get(CONF_LANGUAGE), ha_language, default_ha_language),
        speed=valid.get(CONF_SPEED),
        flash=valid.get(CONF_FLASH),
        seed=valid.get(CONF_SEED),
        # False and all-zero weights are the service's defaults: leave them out so the lighter
        # GET form of the request can be used.
        vivid=True if valid.get(CONF_VIVID) else None,
        emotion=tuple(emotion) if emotion and any(emotion) else None,
    )
