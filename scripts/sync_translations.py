"""Regenerate custom_components/vocu/translations/en.json from strings.json.

Custom integrations are served from translations/, never from strings.json, and Home Assistant
does not resolve `[%key:...%]` references for them, so en.json must hold the resolved text.
Run after every edit of strings.json: `.venv/bin/python scripts/sync_translations.py`
(`--check` exits 1 when en.json is out of date, for CI).
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "vocu"
STRINGS = INTEGRATION / "strings.json"
EN = INTEGRATION / "translations" / "en.json"
DOMAIN = "vocu"

REFERENCE = re.compile(r"\[%key:([a-z0-9_.:-]+)%\]")


@cache
def _homeassistant_dir() -> Path:
    import homeassistant  # noqa: PLC0415 - only needed to resolve `common::` / other components

    return Path(homeassistant.__file__).parent


def _source(namespace: str, own: dict[str, Any]) -> dict[str, Any]:
    if namespace == "common":
        return {"common": json.loads((_homeassistant_dir() / "strings.json").read_text())["common"]}
    _, component = namespace.split("::", 1)
    if component == DOMAIN:
        return {"component": {DOMAIN: own}}
    path = _homeassistant_dir() / "components" / component / "translations" / "en.json"
    return {"component": {component: json.loads(path.read_text())}}


def _lookup(key: str, own: dict[str, Any]) -> str:
    parts = key.split("::")
    namespace = "common" if parts[0] == "common" else f"component::{parts[1]}"
    node: Any = _source(namespace, own)
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"unresolvable translation reference [%key:{key}%]")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"translation reference [%key:{key}%] is not a string")
    return node


def _resolve(value: Any, own: dict[str, Any], depth: int = 0) -> Any:
    if isinstance(value, dict):
        return {key: _resolve(item, own, depth) for key, item in value.items()}
    if isinstance(value, str):
        if depth > 10:
            raise RecursionError(f"translation reference loop in {value!r}")
        resolved = REFERENCE.sub(lambda match: _lookup(match.group(1), own), value)
        return _resolve(resolved, own, depth + 1) if REFERENCE.search(resolved) else resolved
    return value


def render() -> str:
    """translations/en.json as it must be for the current strings.json."""
    own = json.loads(STRINGS.read_text(encoding="utf-8"))
    return json.dumps(_resolve(own, own), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    expected = render()
    if "--check" in argv:
        current = EN.read_text(encoding="utf-8") if EN.exists() else ""
        if current != expected:
            print(f"{EN.relative_to(ROOT)} is out of date: run scripts/sync_translations.py")
            return 1
        return 0
    EN.parent.mkdir(exist_ok=True)
    EN.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
