"""Voice and style pickers shared by the config, options and repair flows."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .client.models import Voice


def voice_label(voice: Voice) -> str:
    """ "Name — description" (just the name when there is no description)."""
    return f"{voice.name} — {voice.description}" if voice.description else voice.name


def usable_voices(voices: Iterable[Voice]) -> list[Voice]:
    """Voices that can speak now (own clones and market voices), by name."""
    return sorted((voice for voice in voices if voice.usable), key=lambda v: v.name.casefold())


def voice_selector(voices: Iterable[Voice]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=[SelectOptionDict(value=v.id, label=voice_label(v)) for v in voices],
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def style_selector(voice: Voice) -> SelectSelector:
    """The voice's styles, `default` first (the models keep that order)."""
    return SelectSelector(
        SelectSelectorConfig(
            options=[SelectOptionDict(value=s.id, label=s.name) for s in voice.styles],
            mode=SelectSelectorMode.DROPDOWN,
        )
    )
