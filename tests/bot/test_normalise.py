"""The text clean-up rules, one behaviour per test."""

from __future__ import annotations

import pytest
from vocu_discord.normalise import (
    NameContext,
    apply_pronunciations,
    cap_repeats,
    describe_attachments,
    estimate_seconds,
    normalise,
)

NAMES = NameContext(
    users={111: "Alice", 222: "Bob"},
    roles={333: "Moderators"},
    channels={444: "general"},
)


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        ("hello <@111>", "hello Alice"),
        ("hi <@!222>!", "hi Bob!"),
        ("ping <@999>", "ping someone"),
        ("calling <@&333>", "calling Moderators"),
        ("see <#444>", "see general"),
        ("see <#555>", "see a channel"),
        ("look https://example.com/x?y=1 now", "look a link now"),
        ("<https://example.com> hidden embed", "a link hidden embed"),
        ("try www.example.org please", "try a link please"),
        ("nice <:party_parrot:123456789>", "nice party parrot"),
        ("<a:dance:987654321> go", "dance go"),
        ("run ```python\nprint('x')\n``` then", "run code block. then"),
        ("use `rm -rf` carefully", "use code snippet carefully"),
        ("the end: ||he dies||", "the end: spoiler."),
        ("soooooooo good!!!!!!!", "sooo good!!!"),
        ("**bold** and __under__ and ~~gone~~", "bold and under and gone"),
        ("> quoted line", "quoted line"),
        ("# Heading", "Heading."),  # a heading is said as a sentence of its own
        ("- one\n- two", "one. two."),
        ("see [the docs](https://x.io/a)", "see the docs"),
        ("meet <t:1700000000:R>", "meet a time"),
        ("hey @everyone", "hey everyone"),
        ("try </tts say:12345>", "try tts say"),
        ("  lots   of\n\nspace  ", "lots of space"),
    ],
)
def test_rules(raw: str, spoken: str) -> None:
    assert normalise(raw, NAMES) == spoken


@pytest.mark.parametrize("raw", ["", "   ", "!!!", "<:blank:1>", "...?!", "```\nonly code"])
def test_nothing_speakable_gives_empty(raw: str) -> None:
    context = NameContext(skip_emoji=True)
    # A message of only code still says "code block" - that is speakable, so exclude it here.
    expected = "code block." if raw.startswith("```") else ""
    assert normalise(raw, context) == expected


def test_skip_emoji_drops_custom_emoji() -> None:
    assert normalise("hi <:wave:1> there", NameContext(skip_emoji=True)) == "hi there"


def test_unclosed_code_block_runs_to_end() -> None:
    assert normalise("see ```broken code", NAMES) == "see code block."


def test_attachments_described_with_and_without_text() -> None:
    assert normalise("", NAMES, ["cat.PNG"]) == "an image attached"
    assert normalise("look", NAMES, ["a.png", "b.jpg", "notes.pdf"]) == (
        "look, 2 images and a file attached"
    )


def test_describe_attachment_kinds() -> None:
    assert describe_attachments([]) == ""
    assert describe_attachments(["clip.mp4"]) == "a video attached"
    assert describe_attachments(["song.mp3", "x.ogg"]) == "2 audio files attached"


def test_pronunciations_whole_words_case_insensitive() -> None:
    dictionary = {"gif": "jif", "SQL": "sequel", "vocu": "voh-koo"}
    assert apply_pronunciations("GIF or gifs? SQL!", dictionary) == "jif or gifs? sequel!"
    assert apply_pronunciations("Vocu's vocuvoice", dictionary) == "voh-koo's vocuvoice"


def test_pronunciations_longest_entry_wins_and_single_pass() -> None:
    dictionary = {"new": "knew", "new york": "big apple", "knew": "NO"}
    assert apply_pronunciations("new york is new", dictionary) == "big apple is knew"


def test_pronunciations_applied_after_mentions() -> None:
    context = NameContext(users={1: "Siobhan"}, pronunciations={"siobhan": "shiv-awn"})
    assert normalise("hi <@1>", context) == "hi shiv-awn"


def test_cap_repeats_limits() -> None:
    assert cap_repeats("aaaaa", 2) == "aa"
    assert cap_repeats("aaaaa", 0) == "aaaaa"
    assert cap_repeats("ab", 1) == "ab"


def test_estimate_seconds_counts_cjk_slower_and_speed_helps() -> None:
    latin = estimate_seconds("a" * 140)
    cjk = estimate_seconds("你" * 45)
    assert latin == pytest.approx(10.0)
    assert cjk == pytest.approx(10.0)
    assert estimate_seconds("a" * 140, speed=2.0) == pytest.approx(5.0)
