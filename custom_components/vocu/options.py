"""entry.options: their defaults and how a stored entry's options are read back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .const import (
    CONF_DAILY_CHAR_CAP,
    CONF_EMOTION,
    CONF_FALLBACK_ENGINE,
    CONF_FLASH,
    CONF_LANGUAGE,
    CONF_MAX_CHARS_PER_CALL,
    CONF_PRESET,
    CONF_SEED,
    CONF_SPEAKABLE,
    CONF_SPEED,
    CONF_STYLE,
    CONF_VIVID,
    CONF_VOICE,
    DEFAULT_LANGUAGE,
    DEFAULT_PRESET,
    DEFAULT_SPEED,
    DEFAULT_STYLE,
)

# The service's own default emo_switch: all five weights 0 means "no emotion steering".
DEFAULT_EMOTION: Final = (0, 0, 0, 0, 0)
DEFAULT_MAX_CHARS_PER_CALL: Final = 0  # 0 = no limit
DEFAULT_DAILY_CHAR_CAP: Final = 0  # 0 = no cap

# Every option except the voice, which has no sensible default.
OPTION_DEFAULTS: Final[Mapping[str, Any]] = {
    CONF_STYLE: DEFAULT_STYLE,
    CONF_PRESET: DEFAULT_PRESET,
    CONF_LANGUAGE: DEFAULT_LANGUAGE,
    CONF_SPEED: DEFAULT_SPEED,
    CONF_FLASH: False,
    CONF_SEED: None,  # None = random
    CONF_VIVID: False,
    CONF_EMOTION: list(DEFAULT_EMOTION),
    CONF_MAX_CHARS_PER_CALL: DEFAULT_MAX_CHARS_PER_CALL,
    CONF_DAILY_CHAR_CAP: DEFAULT_DAILY_CHAR_CAP,
    CONF_FALLBACK_ENGINE: None,  # no fallback engine
    CONF_SPEAKABLE: True,  # language models answer in Markdown
}


def default_options(voice_id: str, style_id: str = DEFAULT_STYLE) -> dict[str, Any]:
    """A complete options mapping for a new entry speaking with `voice_id` / `style_id`."""
    return {
        **{
            key: list(value) if isinstance(value, list) else value
            for key, value in OPTION_DEFAULTS.items()
        },
        CONF_VOICE: voice_id,
        CONF_STYLE: style_id,
    }


def with_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """Stored options completed with defaults for any key an older version did not write."""
    return {**default_options(options.get(CONF_VOICE, "")), **options}
