"""The speech-ready text cleaner: Markdown of a language model's answer made speakable, whole or
fed piece by piece (the result must not depend on where the stream was cut)."""

from __future__ import annotations

import pytest
from vocu_client.speakable import MarkdownCleaner, SpeechPolicy, speakable

ANSWER = """## Weather today 🌤️
It is **sunny** and *warm*. See [the forecast](https://weather.example.com/today) or \
https://www.example.org/x?y=1 for more.

- First, open the `garage` door
- Second: water the plants
1. Numbered item
> Quoted advice

---
```python
print("hello")
```

| Room | Temp |
|------|------|
| Kitchen | 21 |

Done! 🎉"""

CLEAN = (
    "Weather today.\nIt is sunny and warm. See the forecast or example.org for more.\n"
    "First, open the garage door.\nSecond: water the plants.\nNumbered item.\nQuoted advice\n"
    "code.\nRoom, Temp.\nKitchen, 21.\nDone!"
)


def fed(text: str, step: int, policy: SpeechPolicy | None = None) -> str:
    cleaner = MarkdownCleaner(policy)
    out = [cleaner.feed(text[i : i + step]) for i in range(0, len(text), step)]
    return "".join(out) + cleaner.flush()


def words(text: str) -> list[str]:
    return text.replace(".", " . ").split()


def test_whole_answer_is_clean() -> None:
    assert speakable(ANSWER) == CLEAN


@pytest.mark.parametrize("step", [1, 2, 5, 13, 40])
def test_streamed_answer_says_the_same_words_wherever_it_was_cut(step: int) -> None:
    assert words(fed(ANSWER, step)) == words(CLEAN)


def test_feed_holds_back_at_most_the_unfinished_line() -> None:
    cleaner = MarkdownCleaner()
    assert cleaner.feed("The first sentence is here. And the second is still ") == (
        "The first sentence is here. And the second is still "
    )
    # A link is never cut in half: held until it closes.
    assert cleaner.feed("[the docs](https://") == ""
    assert cleaner.feed("x.io/a) say more") == "the docs say "
    assert cleaner.flush() == "more"


def test_code_fence_is_announced_at_once_and_its_body_skipped() -> None:
    cleaner = MarkdownCleaner()
    assert cleaner.feed("Here:\n```bash\n") == "Here:\ncode.\n"
    assert cleaner.feed("rm -rf /tmp/x\n" * 50) == ""
    assert cleaner.feed("```\nDone.") == ""  # an unfinished last word waits for more
    assert cleaner.flush() == "Done."


def test_discord_policy_keeps_its_own_spoken_forms() -> None:
    policy = SpeechPolicy(
        code_block="code block", inline_code="code snippet", bare_url="a link", keep_emoji=True
    )
    assert speakable("Run `ls` 😀 see https://x.io/a.\n```\nx\n```", policy) == (
        "Run code snippet 😀 see a link.\ncode block."
    )


def test_chinese_is_released_at_full_width_punctuation() -> None:
    cleaner = MarkdownCleaner()
    assert cleaner.feed("**晚上好**！客厅的灯还") == "晚上好！"
    assert cleaner.feed("亮着。") == "客厅的灯还亮着。"
