"""Translations: en.json is strings.json resolved, zh-Hans covers every key with the same
placeholders, and every string the code and flows use exists."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "vocu"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def load(name: str) -> dict[str, Any]:
    return json.loads((INTEGRATION / name).read_text(encoding="utf-8"))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def test_en_json_is_strings_json_resolved() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_translations.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "[%key:" not in (INTEGRATION / "translations" / "en.json").read_text()


def test_zh_hans_has_every_key_with_the_same_placeholders() -> None:
    english = flatten(load("translations/en.json"))
    chinese = flatten(load("translations/zh-Hans.json"))
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(chinese[key])) == set(PLACEHOLDER.findall(text)), key
        assert CJK.search(chinese[key]), f"{key} is not translated: {chinese[key]!r}"


def test_zh_hans_and_en_cover_every_section_and_key_of_strings_json() -> None:
    """Checked against the source file itself, not only against a generated en.json."""
    source = load("strings.json")
    assert {"config", "options", "services", "exceptions", "entity", "issues"} <= set(source)
    keys = set(flatten(source))
    for name in ("translations/en.json", "translations/zh-Hans.json"):
        translated = load(name)
        assert set(translated) == set(source), name
        assert set(flatten(translated)) == keys, name


def test_translation_keys_used_by_the_integration_exist() -> None:
    strings = load("strings.json")
    for key in ("invalid_auth", "update_failed"):
        assert "message" in strings["exceptions"][key]
    for key in ("credits", "paid_credits", "bonus_credits", "sync_concurrency"):
        assert strings["entity"]["sensor"][key]["name"]
    steps = strings["config"]["step"]
    for step in ("user", "custom_host", "voice", "style", "reauth_confirm", "reconfigure"):
        assert set(steps[step]["data"]) == set(steps[step]["data_description"]), step
    settings = strings["options"]["step"]["settings"]
    assert set(settings["data"]) == set(settings["data_description"])
    assert len(settings["data"]) == 14  # 9 settings + 5 emotion weights
    assert {"insufficient_credits", "default_voice_missing"} <= set(strings["issues"])


def test_icons_cover_the_sensors() -> None:
    icons = load("icons.json")
    strings = load("strings.json")
    assert set(icons["entity"]["sensor"]) == set(strings["entity"]["sensor"])
