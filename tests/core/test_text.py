"""Sentence splitting, packing and the streaming accumulator (pure functions)."""

from __future__ import annotations

import pytest
from vocu_client.text import SentenceAccumulator, split_sentences, split_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello. How are you? Fine!", ["Hello.", "How are you?", "Fine!"]),
        ("It costs 3.14 euros. Next.", ["It costs 3.14 euros.", "Next."]),
        ("Mr. Smith met Dr. Jones. Then left.", ["Mr. Smith met Dr. Jones.", "Then left."]),
        ("Use e.g. this one. Or i.e. that.", ["Use e.g. this one.", "Or i.e. that."]),
        ("The U.S. Army is here. Yes.", ["The U.S. Army is here.", "Yes."]),
        ("J. K. Rowling wrote it.", ["J. K. Rowling wrote it."]),
        ("It was approx. three. Ok.", ["It was approx. three.", "Ok."]),
        ("Visit example.com today.", ["Visit example.com today."]),
        ("Wait... What?! Really.", ["Wait...", "What?!", "Really."]),
        ('He said "stop." Then ran.', ['He said "stop."', "Then ran."]),
        ("你好。今天天气很好！是吗？好；", ["你好。", "今天天气很好！", "是吗？", "好；"]),
        ("「はい。」と言った。", ["「はい。」", "と言った。"]),
        ("First line\nsecond line\n\nthird", ["First line", "second line", "third"]),
        ("No terminator at all", ["No terminator at all"]),
        ("Mixed 中文。English next.", ["Mixed 中文。", "English next."]),
        ("   \n  ", []),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_text_packs_whole_sentences() -> None:
    text = "One two. Three four. Five six seven eight."
    assert split_text(text, 21) == ["One two. Three four.", "Five six seven eight."]
    assert split_text(text, 1000) == [text]


def test_split_text_joins_cjk_without_spaces() -> None:
    assert split_text("你好。再见。", 10) == ["你好。再见。"]


def test_split_text_cuts_long_sentences_at_clauses_then_words() -> None:
    parts = split_text("alpha beta gamma delta epsilon zeta eta theta.", 12)
    assert all(len(p) <= 12 for p in parts)
    assert " ".join(parts) == "alpha beta gamma delta epsilon zeta eta theta."
    clauses = split_text("这是第一部分，这是第二部分，这是第三部分。", 8)
    assert clauses == ["这是第一部分，", "这是第二部分，", "这是第三部分。"]


def test_split_text_only_cuts_words_longer_than_the_limit() -> None:
    parts = split_text("short Supercalifragilisticexpialidocious end.", 10)
    assert parts == ["short", "Supercalif", "ragilistic", "expialidoc", "ious end."]


def test_split_text_never_loses_text() -> None:
    text = "A. " * 50 + "最后一句。"
    joined = "".join(split_text(text, 17)).replace(" ", "")
    assert joined == text.replace(" ", "")


def test_split_text_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        split_text("x", 0)


def test_accumulator_emits_sentences_as_they_complete() -> None:
    acc = SentenceAccumulator()
    assert acc.feed("Hello wor") == []
    assert acc.feed("ld. How") == ["Hello world."]
    assert acc.feed(" are you?") == []  # "?" at the end: the next character decides
    assert acc.feed(" Fine") == ["How are you?"]
    assert acc.flush() == ["Fine"]
    assert acc.flush() == []


def test_accumulator_waits_on_abbreviations_and_decimals() -> None:
    acc = SentenceAccumulator()
    out = []
    for token in ["Dr", ". Who", " paid 3", ".", "50 today", ". Next"]:
        out += acc.feed(token)
    assert out == ["Dr. Who paid 3.50 today."]
    assert acc.flush() == ["Next"]


def test_accumulator_merges_short_sentences_up_to_min_chars() -> None:
    acc = SentenceAccumulator(min_chars=15)
    out = []
    for char in "Hi. Ok. This one is long enough. 好。":
        out += acc.feed(char)
    assert out == ["Hi. Ok. This one is long enough."]
    assert acc.flush() == ["好。"]


def test_accumulator_cjk_and_newlines() -> None:
    acc = SentenceAccumulator()
    assert acc.feed("你好。今天") == ["你好。"]
    assert acc.feed("很好\n下") == ["今天很好"]
    assert acc.flush() == ["下"]
