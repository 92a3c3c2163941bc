"""Speech-ready text: Markdown, links, code and emoji of a language model's answer made speakable.

One streaming cleaner for every front end: ``feed()`` returns what can be spoken so far, holding
back at most the unfinished part of a line (cut at a word boundary, so a link or code span is
never split) — a code fence is announced the moment it opens and its body skipped, so a long block
holds nothing back. ``flush()`` returns the rest. What is said in place of code or links is the
caller's :class:`SpeechPolicy` (Home Assistant says the host of a bare URL; the Discord bot says
"a link").

Line ends are kept as ``\\n`` (a sentence end for :class:`~.text.SentenceAccumulator`), so a
heading or a list item is spoken as a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ONE_LINE_BLOCK = re.compile(r"```[^`\n]*```")  # chat style: ```code``` within a line
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)\s]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)\s]+)\)")
# A sentence's closing punctuation after a URL is not part of it.
_BARE_URL = re.compile(r"<?\b(?:(?:https?|ftp)://|www\.)[^\s<>]*[^\s<>.,;:!?)>]>?", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~)(?=\S)|(?<=\S)(\*{1,3}|_{2,3}|~~)")
# Pictographs, dingbats, flags, variation selectors and joiners: sounds, not words.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U0000fe0f\U0000200d"
    "\U00002b00-\U00002bff\U0001f900-\U0001f9ff]+"
)
_BOUNDARY = re.compile(r"\s+|[。！？；，、…]+")
_SPACES = re.compile(r"[ \t]{2,}")
_ENDS_SENTENCE = re.compile(r"[.!?。！？；…:：]\s*$")


@dataclass(frozen=True, slots=True)
class SpeechPolicy:
    """What is said in place of what cannot be read aloud (``None``: the natural default)."""

    code_block: str = "code"  # said once for a fenced block, whose body is skipped
    inline_code: str | None = None  # None: read the code span's text
    bare_url: str | None = None  # None: say the host ("example.com")
    link: str | None = None  # None: say the link's text
    keep_emoji: bool = False


def _host(url: str) -> str:
    url = url.strip("<>")
    if url.lower().startswith("www."):
        url = "http://" + url
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


class MarkdownCleaner:
    """Feed text as it streams in; get back speakable text (see the module docstring)."""

    def __init__(self, policy: SpeechPolicy | None = None) -> None:
        self.policy = policy or SpeechPolicy()
        self._pending = ""  # the current line's text not yet released
        self._line_started = False  # part of the current line was already released
        self._line_is_item = False  # heading or list item: ends as a sentence
        self._in_fence = False
        self._released = ""  # what was released of the current line (for its closing ".")

    def feed(self, chunk: str) -> str:
        self._pending += chunk
        out: list[str] = []
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            out.append(self._finish_line(line))
        out.append(self._release_partial())
        return "".join(out)

    def flush(self) -> str:
        text = self._finish_line(self._pending) if self._pending else ""
        self._pending = ""
        self._in_fence = False
        return text.rstrip("\n")

    # --- lines ------------------------------------------------------------------------------

    def _finish_line(self, line: str) -> str:
        started, self._line_started = self._line_started, False
        is_item, self._line_is_item = self._line_is_item, False
        if self._in_fence:
            if _FENCE.match(line) or "```" in line:
                self._in_fence = False
                # Chat style "``` then": words after the closing fence are still said.
                rest = line.split("```", 1)[1] if "```" in line else ""
                return self._finish_line(rest) if rest.strip() else ""
            return ""
        if not started:
            if _FENCE.match(line) and not _ONE_LINE_BLOCK.search(line):
                self._in_fence = True
                return f"{self.policy.code_block}.\n"
            if _RULE.match(line) or _TABLE_SEPARATOR.match(line):
                return ""
            line, is_item = self._line_start(line)
            if line.lstrip().startswith("|"):
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                line, is_item = ", ".join(cell for cell in cells if cell), True
        if "```" in _ONE_LINE_BLOCK.sub("", line):
            # Chat style "run ```python": the fence opens mid-line (or is never closed).
            before = line.split("```", 1)[0]
            self._in_fence = True
            self._released = ""
            text = self._inline(before).strip()
            return f"{text} {self.policy.code_block}.\n" if text else f"{self.policy.code_block}.\n"
        text = self._inline(line).rstrip()
        said = (self._released.rstrip() + " " + text).strip() if started else text
        self._released = ""
        if is_item and said and not _ENDS_SENTENCE.search(said):
            text += "."
        return text + "\n" if text or started else ""

    def _line_start(self, line: str) -> tuple[str, bool]:
        """Strip a heading, bullet, number or quote marker; say whether the line is an item."""
        for marker in (_HEADING, _BULLET):
            if marker.match(line):
                return marker.sub("", line, count=1), True
        return _QUOTE.sub("", line, count=1), False

    def _release_partial(self) -> str:
        """The unfinished line up to its last safe word boundary (nothing in a fence, a table
        row, or while the line's first characters could still open a fence)."""
        text = self._pending
        if self._in_fence or not text.strip():
            return ""
        if not self._line_started:
            head = text.lstrip()
            if len(head) < 4 or head.startswith(("`", "~", "|")):
                return ""
        cut = self._safe_cut(text)
        if cut <= 0:
            return ""
        part, self._pending = text[:cut], text[cut:]
        if not self._line_started:
            part, self._line_is_item = self._line_start(part)
            self._line_started = True
        spoken = self._inline(part)
        self._released += spoken
        return spoken

    @staticmethod
    def _safe_cut(text: str) -> int:
        """The last word boundary (a space, or CJK punctuation: CJK has no spaces) before which
        links, images and code spans are all closed."""
        for match in reversed(list(_BOUNDARY.finditer(text))):
            head = text[: match.end()]
            if (
                head.count("[") == head.count("]")
                and head.count("(") >= head.count(")")
                and head.count("`") % 2 == 0
                and not re.search(r"\]\([^)]*$", head)
            ):
                return match.end()
        return 0

    # --- inline -----------------------------------------------------------------------------

    def _inline(self, text: str) -> str:
        policy = self.policy
        text = _ONE_LINE_BLOCK.sub(f" {policy.code_block}. ", text)
        text = _IMAGE.sub(lambda m: m[1], text)
        text = _LINK.sub(lambda m: policy.link if policy.link is not None else m[1], text)
        text = _BARE_URL.sub(
            lambda m: policy.bare_url if policy.bare_url is not None else _host(m[0]), text
        )
        text = _INLINE_CODE.sub(
            lambda m: policy.inline_code if policy.inline_code is not None else m[1], text
        )
        text = _EMPHASIS.sub("", text)
        if not policy.keep_emoji:
            text = _EMOJI.sub("", text)
        return _SPACES.sub(" ", text)


def speakable(text: str, policy: SpeechPolicy | None = None) -> str:
    """All of ``text`` made speakable at once (the streaming cleaner, fed in one piece)."""
    cleaner = MarkdownCleaner(policy)
    return (cleaner.feed(text) + cleaner.flush()).strip()
