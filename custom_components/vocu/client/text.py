"""Sentence splitting and chunking for speech: pure functions, no I/O.

Speech sounds best when each request holds whole sentences, and the first sentence plays sooner
when it is sent on its own. These helpers cut text at sentence ends (Chinese/Japanese full-width
punctuation and English ``.!?`` that really end a sentence), pack sentences into requests of at most
``max_chars`` characters, and collect sentences from a text stream as they complete.
"""

from __future__ import annotations

import re

# Full-width terminators end a sentence on their own; no space follows them in CJK text.
_CJK_TERMINATORS = frozenset("。！？；…")
_LATIN_TERMINATORS = frozenset(".!?")
# Closing quotes/brackets belong to the sentence they follow: `He said "no."`, `「はい。」`
_CLOSERS = frozenset("\"'”’」』）)]】》〉")
# Clause punctuation an over-long sentence may be cut at before falling back to spaces.
_CLAUSE_BREAKS = "，、,：:;—"

_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "no", "nr", "fig", "approx",
        "inc", "ltd", "co", "corp", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "mt", "ave", "gen", "col", "capt", "lt", "sgt", "rev",
        "e.g", "i.e", "cf", "al", "ca", "vol", "pp", "ph.d", "a.m", "p.m", "u.s", "u.k",
    }
)  # fmt: skip
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the ``.`` at ``dot`` ends an abbreviation or an initial rather than a sentence."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"'“‘":
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    return "." in word and all(len(part) <= 2 for part in word.split("."))  # "u.s.a", "e.g"


def _sentence_end(text: str, index: int, *, final: bool) -> int | None:
    """If a sentence ends at ``text[index]``, return the index just past it (and its closers).

    With ``final=False`` (streaming) an end that needs the following character to be decided is
    only reported once that character has arrived.
    """
    char = text[index]
    if char == "\n":
        return index + 1
    if char not in _CJK_TERMINATORS and char not in _LATIN_TERMINATORS:
        return None
    end = index + 1
    while end < len(text) and (
        text[end] in _CLOSERS or text[end] in _LATIN_TERMINATORS or text[end] in _CJK_TERMINATORS
    ):
        end += 1  # "?!", "...", "。」"
    if end >= len(text):
        return end if final else None
    if char in _CJK_TERMINATORS:
        return end
    following = text[end]
    if not following.isspace():
        # "3.14", "example.com", "e.g.x": only a CJK character right after counts as a new sentence.
        return end if _CJK.match(following) else None
    if char == "." and text[index - 1 : index] != "." and _is_abbreviation(text, index):
        return None
    if char == ".":
        rest = text[end:].lstrip(" \t")
        if rest and rest[0].islower():
            return None  # "approx. three" - a lower-case word continues the sentence
    return end


def _split(text: str, *, final: bool) -> tuple[list[str], str]:
    """Return the complete sentences of ``text`` and the unfinished remainder."""
    sentences: list[str] = []
    start = 0
    index = 0
    while index < len(text):
        end = _sentence_end(text, index, final=final)
        if end is None:
            index += 1
            continue
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = index = end
    return sentences, text[start:]


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, stripped of surrounding whitespace, empty ones dropped."""
    sentences, rest = _split(text, final=True)
    if rest.strip():
        sentences.append(rest.strip())
    return sentences


def _joiner(left: str, right: str) -> str:
    """CJK runs join without a space; everything else joins with one."""
    return "" if _CJK.match(left[-1]) and _CJK.match(right[0]) else " "


def _hard_split(sentence: str, max_chars: int) -> list[str]:
    """Cut one over-long sentence: at clause punctuation, then spaces, then (last resort) chars."""
    pieces = re.split(f"(?<=[{re.escape(_CLAUSE_BREAKS)}])", sentence)
    if len(pieces) == 1:
        pieces = re.split(r"(?<=\s)", sentence)
    if len(pieces) == 1:
        return [sentence[i : i + max_chars] for i in range(0, len(sentence), max_chars)]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if len(piece.strip()) > max_chars:
            if current.strip():
                parts.append(current.strip())
            current = ""
            parts.extend(_hard_split(piece.strip(), max_chars))
        elif len(current + piece.rstrip()) <= max_chars:
            current += piece
        else:
            if current.strip():
                parts.append(current.strip())
            current = piece
    if current.strip():
        parts.append(current.strip())
    return parts


def split_text(text: str, max_chars: int) -> list[str]:
    """Pack whole sentences into parts of at most ``max_chars`` characters.

    A sentence is only cut when it alone is longer than ``max_chars``; then at a clause mark or a
    space, and inside a word only when the word itself is longer than ``max_chars``.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        pieces = [sentence] if len(sentence) <= max_chars else _hard_split(sentence, max_chars)
        for piece in pieces:
            candidate = current + _joiner(current, piece) + piece if current else piece
            if len(candidate) <= max_chars:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


class SentenceAccumulator:
    """Collect sentences from streamed text (an LLM answer arriving token by token).

    ``feed`` returns the sentences completed by the new chunk; sentences shorter than
    ``min_chars`` are held back and joined with the next so tiny fragments ("Hi.") are not sent
    as requests of their own. ``flush`` returns whatever is left at the end of the stream.
    """

    def __init__(self, min_chars: int = 1) -> None:
        self.min_chars = min_chars
        self._buffer = ""
        self._pending = ""

    def feed(self, chunk: str) -> list[str]:
        self._buffer += chunk
        sentences, self._buffer = _split(self._buffer, final=False)
        ready: list[str] = []
        for sentence in sentences:
            self._pending = (
                self._pending + _joiner(self._pending, sentence) + sentence
                if self._pending
                else sentence
            )
            if len(self._pending) >= self.min_chars:
                ready.append(self._pending)
                self._pending = ""
        return ready

    def flush(self) -> list[str]:
        tail = split_sentences(self._buffer)
        self._buffer = ""
        pieces = [self._pending, *tail] if self._pending else tail
        self._pending = ""
        if not pieces:
            return []
        merged = pieces[0]
        for piece in pieces[1:]:
            merged += _joiner(merged, piece) + piece
        # Everything left is one short utterance at most when it is below min_chars; otherwise
        # keep the sentences apart so a long tail still starts playing after its first sentence.
        return [merged] if len(merged) < self.min_chars else pieces
