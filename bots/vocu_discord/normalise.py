"""Turn a Discord message into text worth speaking: a pure function, no discord.py objects.

The cog resolves ids to names (it has the guild) and passes them in a `NameContext`; everything
else is string work, so every rule is unit-tested without Discord.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from vocu_client.speakable import SpeechPolicy, speakable

SPOILER = re.compile(r"\|\|.+?\|\|", re.DOTALL)
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
CHANNEL_MENTION = re.compile(r"<#(\d+)>")
SLASH_MENTION = re.compile(r"</([\w -]+):\d+>")
CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")
TIMESTAMP = re.compile(r"<t:-?\d+(?::[tTdDfFR])?>")
# Discord's own line prefixes the Markdown cleaner leaves: subtext ("-# ") and ">>> " quotes.
LINE_PREFIX = re.compile(r"^\s*(?:>>?>?\s+|-#\s+)", re.MULTILINE)
WHITESPACE = re.compile(r"\s+")
SPEAKABLE = re.compile(r"\w", re.UNICODE)

# What the bot says in place of code and links (emoji: Discord users mean them; custom ones are
# handled below with NameContext.skip_emoji).
DISCORD_SPEECH = SpeechPolicy(
    code_block="code block", inline_code="code snippet", bare_url="a link", keep_emoji=True
)

ATTACHMENT_KINDS: dict[str, tuple[str, ...]] = {
    "image": ("png", "jpg", "jpeg", "gif", "webp", "bmp", "heic", "avif", "svg"),
    "video": ("mp4", "mov", "webm", "mkv", "avi"),
    "audio file": ("mp3", "ogg", "wav", "flac", "m4a", "opus", "aac"),
    "text file": ("txt", "md", "log", "csv", "json"),
}


@dataclass(frozen=True, slots=True)
class NameContext:
    """Names the message refers to, resolved by the caller, plus per-guild clean-up choices."""

    users: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[int, str] = field(default_factory=dict)
    pronunciations: Mapping[str, str] = field(default_factory=dict)
    skip_emoji: bool = False
    max_repeated_chars: int = 3


def normalise(
    text: str, context: NameContext | None = None, attachments: Sequence[str] = ()
) -> str:
    """Speakable text for ``text`` (a raw message body); ``""`` means: say nothing."""
    context = context or NameContext()
    text = SPOILER.sub(" spoiler. ", text)
    # Markdown, code and links: the core's cleaner (the one Home Assistant uses), with the bot's
    # own spoken forms. Discord's own syntax (mentions, emoji, timestamps) follows.
    text = speakable(text, DISCORD_SPEECH)
    text = USER_MENTION.sub(lambda m: context.users.get(int(m[1]), "someone"), text)
    text = ROLE_MENTION.sub(lambda m: context.roles.get(int(m[1]), "a role"), text)
    text = CHANNEL_MENTION.sub(lambda m: context.channels.get(int(m[1]), "a channel"), text)
    text = SLASH_MENTION.sub(lambda m: m[1], text)
    text = CUSTOM_EMOJI.sub(
        lambda m: "" if context.skip_emoji else f" {m[1].replace('_', ' ')} ", text
    )
    text = TIMESTAMP.sub(" a time ", text)
    text = text.replace("@everyone", "everyone").replace("@here", "here")
    text = LINE_PREFIX.sub("", text)
    text = cap_repeats(text, context.max_repeated_chars)
    text = apply_pronunciations(text, context.pronunciations)
    text = WHITESPACE.sub(" ", text).strip()
    if not SPEAKABLE.search(text):
        text = ""
    described = describe_attachments(attachments)
    if described:
        text = f"{text}, {described}" if text else described
    return text


def cap_repeats(text: str, limit: int) -> str:
    """ "soooooo" → "sooo" and "!!!!!!" → "!!!" for ``limit`` 3; ``limit`` < 1 turns it off."""
    if limit < 1:
        return text
    return re.sub(rf"(.)\1{{{limit},}}", lambda m: m[1] * limit, text, flags=re.DOTALL)


def apply_pronunciations(text: str, dictionary: Mapping[str, str]) -> str:
    """Replace whole words, case-insensitively, in one pass (longest entry wins on overlap)."""
    entries = {word.casefold(): spoken for word, spoken in dictionary.items() if word.strip()}
    if not entries:
        return text
    alternatives = "|".join(re.escape(word) for word in sorted(entries, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return pattern.sub(lambda m: entries[m[0].casefold()], text)


def describe_attachments(filenames: Sequence[str]) -> str:
    """ "an image attached", "2 images and a file attached"; ``""`` for none."""
    if not filenames:
        return ""
    counts: dict[str, int] = {}
    for name in filenames:
        kind = attachment_kind(name)
        counts[kind] = counts.get(kind, 0) + 1
    parts = [
        (f"{count} {kind}s" if count > 1 else f"{_article(kind)} {kind}")
        for kind, count in counts.items()
    ]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{joined} attached"


def attachment_kind(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix.lstrip(".")
    return next((kind for kind, exts in ATTACHMENT_KINDS.items() if suffix in exts), "file")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def estimate_seconds(text: str, speed: float = 1.0) -> float:
    """Rough spoken duration: CJK runs ~4.5 characters/s, other scripts ~14 characters/s.

    Good enough to refuse a wall of text before paying for it; the exact length is only known
    after synthesis.
    """
    cjk = sum(1 for char in text if _is_cjk(char))
    seconds = cjk / 4.5 + (len(text) - cjk) / 14.0
    return seconds / max(speed, 0.1)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
    )
