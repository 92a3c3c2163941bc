"""The canary check every test runs under (tests/conftest.py): no key of the suite may appear in
our loggers' records, our errors' text or the output of our CLI, bot and `hass` processes.

The keys are the emulator's seeded ones plus the random canaries tests make
(``sk-canary-<hex>`` and the like). The emulator's own logger is not ours: in adversarial mode it
echoes the key on purpose.
"""

from __future__ import annotations

import logging
import re
import subprocess
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vocu_emulator import seed

OUR_LOGGERS = ("vocu_client", "custom_components.vocu", "vocu_discord")
SEEDED_KEYS = (
    seed.PAID_TOKEN,
    seed.FREE_TOKEN,
    seed.LOW_CREDIT_TOKEN,
    seed.NOIZ_KEY,
    seed.NOIZ_LOW_CREDIT_KEY,
    seed.USEAPI_TOKEN,
    seed.USEAPI_MULTI_TOKEN,
    seed.USEAPI_EXPIRED_TOKEN,
)
# The distinctive tail of each seeded key (a cut echo still counts) and the tests' own canaries.
_PATTERN = re.compile(
    "|".join(re.escape(key[-16:]) for key in SEEDED_KEYS)
    + r"|sk-canary-[0-9a-f]{16}|canary[0-9a-f]{16}"
)


def leaks(text: str) -> list[str]:
    return sorted({match.group(0) for match in _PATTERN.finditer(text)})


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        self.texts.append(text)


def _error_classes() -> list[type[BaseException]]:
    import importlib  # noqa: PLC0415

    classes = []
    for name in ("vocu_client.errors", "custom_components.vocu.client.errors"):
        try:
            classes.append(importlib.import_module(name).VoiceServiceError)
        except ImportError:
            continue
    return classes


def watch(monkeypatch: Any) -> Iterator[list[str]]:
    """Collect everything of ours a test produced; yields once, then the texts to check."""
    records = _Records()
    for name in OUR_LOGGERS:
        logging.getLogger(name).addHandler(records)
    raised: list[BaseException] = []
    for cls in _error_classes():
        original = cls.__init__

        def init(self: BaseException, *args: Any, _original: Any = original, **kw: Any) -> None:
            _original(self, *args, **kw)
            raised.append(self)

        monkeypatch.setattr(cls, "__init__", init)
    outputs: list[str] = []
    real_run = subprocess.run

    def run(*args: Any, **kwargs: Any) -> Any:
        done = real_run(*args, **kwargs)
        for stream in (done.stdout, done.stderr):
            text = stream.decode("utf-8", "replace") if isinstance(stream, bytes) else stream
            if isinstance(text, str):
                outputs.append(text)
        return done

    monkeypatch.setattr(subprocess, "run", run)
    offsets = _log_offsets()
    found: list[str] = []
    try:
        yield found
    finally:
        for name in OUR_LOGGERS:
            logging.getLogger(name).removeHandler(records)
    texts = records.texts + outputs + _new_log_text(offsets)
    for error in raised:
        texts += [str(error), repr(error), *(str(v) for v in vars(error).values())]
    found += leaks("\n".join(texts))


def _log_files() -> list[Path]:
    try:
        from vocu_devtools.hass_runner import LOG_FILES  # noqa: PLC0415
    except ImportError:
        return []
    return list(LOG_FILES)


def _log_offsets() -> dict[Path, int]:
    return {path: path.stat().st_size for path in _log_files() if path.exists()}


def _new_log_text(offsets: dict[Path, int]) -> list[str]:
    texts = []
    for path in _log_files():
        if path.exists():
            with path.open("rb") as log:
                log.seek(offsets.get(path, 0))
                texts.append(log.read().decode("utf-8", "replace"))
    return texts
