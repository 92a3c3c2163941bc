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


def style_or_first(voice: Voice, style_id: str) -> str:
    """``style_id`` when ``voice`` has it, else the voice's first style (a form that follows a
    change of voice must not suggest a style of the previous one)."""
    if voice.style(style_id) is not None:
        return style_id
    return voice.styles[0].id if voice.styles else "default"
