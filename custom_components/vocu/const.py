"""Constants shared by the Vocu integration's platforms and flows."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "vocu"
# hass.data key of a host map ({"v1.vocu.ai": "http://127.0.0.1:8765", ...}) every entry's client
# reaches hosts through; unset in production. Tests put the emulator's origin here to reach the
# built-in hosts offline (see docs/architecture.md, "Trusted hosts and the host map").
DATA_HOST_MAP: Final = f"{DOMAIN}_host_map"

# entry.data
CONF_PROVIDER: Final = "provider"  # a name in client.providers.PROVIDERS ("vocu", "noiz", ...)
CONF_ACCOUNT: Final = "account"  # MiniMax through useapi.net: which configured account to use
CONF_GROUP_ID: Final = "group_id"  # MiniMax's own API: GroupId, only for accounts that need it
CONF_HOST: Final = "host"  # HOST_CHOICES (Vocu), MINIMAX_HOST_CHOICES, or HOST_DEFAULT/HOST_CUSTOM
CONF_BASE_URL: Final = "base_url"  # resolved API base URL (the custom one for the emulator)
CONF_ASYNC_MODE: Final = "async_mode"  # free accounts: synthesize through async jobs

HOST_CUSTOM: Final = "custom"
HOST_DEFAULT: Final = "default"  # the service's own API (services with one public host)
HOST_CHOICES: Final = ("vocu.ai", "vocu.studio", "wusound.cn", HOST_CUSTOM)
DEFAULT_HOST: Final = "vocu.ai"
# MiniMax's own API: keys of client.providers.MINIMAX_OFFICIAL_HOSTS, or a custom URL.
MINIMAX_HOST_CHOICES: Final = ("global", "mainland", HOST_CUSTOM)
DEFAULT_PROVIDER: Final = "vocu"  # entries written before 1.2 are Vocu accounts

# entry.options (everything that changes the audio must reach TTS default_options)
CONF_VOICE: Final = "voice"
CONF_STYLE: Final = "style"
CONF_PRESET: Final = "preset"
CONF_LANGUAGE: Final = "language"
CONF_SPEED: Final = "speed"
CONF_FLASH: Final = "flash"
CONF_SEED: Final = "seed"
CONF_VIVID: Final = "vivid"
CONF_EMOTION: Final = "emotion"  # five ints 0-10: anger, happiness, neutral, sadness, contextual
CONF_MAX_CHARS_PER_CALL: Final = "max_chars_per_call"  # 0 = no limit
CONF_DAILY_CHAR_CAP: Final = "daily_char_cap"  # 0 = no cap
CONF_FALLBACK_ENGINE: Final = "fallback_engine"  # a TTS entity id, or None
CONF_SPEAKABLE: Final = "speakable"  # clean Markdown, links, code and emoji before speaking

# tts per-call option only: hand a signed, key-free stream URL to the player (documented opt-in)
ATTR_DIRECT_URL: Final = "direct_url"

DEFAULT_STYLE: Final = "default"
DEFAULT_PRESET: Final = "balance"
DEFAULT_LANGUAGE: Final = "auto"
DEFAULT_SPEED: Final = 1.0

# "Voice — Style" entries in the voice picker: voice ids may contain ":" (market:<uuid>), so the
# separator is a character that can never appear in a voice or style id.
VOICE_STYLE_SEPARATOR: Final = "|"

UPDATE_INTERVAL_MINUTES: Final = 15

# Config subentry type of a voice profile: a named voice and settings, its own TTS entity.
SUBENTRY_PROFILE: Final = "profile"
