"""Translations: en.json is strings.json resolved, zh-Hans covers every key with the same
placeholders, and every string the code and flows use exists."""

from __future__ import annotations

import ast
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


# Where a key used in each module is looked up (the module's flow or platform decides).
FLOW_SECTIONS = {
    "config_flow.py": "config",
    "account_check.py": "config",
    "options_flow.py": "options",
    "subentry_flow.py": "config_subentries.profile",
    "repairs.py": "issues.default_voice_missing.fix_flow",
}
# Errors only a Vocu entry can raise (free accounts exist only there).
VOCU_ONLY = {"paid_only", "styles_not_supported"}  # ("only Vocu voices have styles")
EXCEPTION_CALLS = re.compile(r"(Error|Failed|NotReady)$")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _placeholders(node: ast.AST | None) -> set[str] | None:
    """Placeholder names passed as a dict literal; a ``**`` splat is the guard's/coordinator's
    ``{"service": ...}``. None when the code builds them some other way."""
    if not isinstance(node, ast.Dict):
        return None
    names: set[str] = set()
    for key in node.keys:
        if key is None:
            names.add("service")
        elif isinstance(key, ast.Constant):
            names.add(key.value)
        else:
            return None
    return names


def used_translation_keys() -> list[tuple[str, str, set[str] | None, str]]:
    """(section path, key, placeholders passed or None, where) for every translated string the
    integration's code uses, found by reading the code rather than from a hand-kept list."""
    const = ast.parse((INTEGRATION / "const.py").read_text())
    found: list[tuple[str, str, set[str] | None, str]] = []
    for module in sorted(INTEGRATION.glob("*.py")):
        tree = ast.parse(module.read_text())
        constants = {
            target.id: node.value.value
            for tree_ in (tree, const)
            for node in tree_.body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in ([node.target] if isinstance(node, ast.AnnAssign) else node.targets)
            if isinstance(target, ast.Name)
        }
        flow = FLOW_SECTIONS.get(module.name)
        for node in ast.walk(tree):
            where = f"{module.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Assign) and any(
                _name(target) == "_attr_translation_key" for target in node.targets
            ):
                found.append(("entity.tts", _literal(node.value, constants) or "?", None, where))
            if (
                isinstance(node, ast.Assign)
                and flow
                and any(
                    isinstance(target, ast.Subscript) and _name(target.value) == "errors"
                    for target in node.targets
                )
                and (key := _literal(node.value, constants)) is not None
            ):
                found.append((f"{flow}.error", key, None, where))
            if not isinstance(node, ast.Call):
                continue
            func = _name(node.func)
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            if func == "CheckFailed" and node.args:
                found.append(
                    ("config.error", _literal(node.args[0], constants) or "?", None, where)
                )
            if func == "_error":  # the modules' error helpers: the key is the literal argument
                key = next(filter(None, (_literal(arg, constants) for arg in node.args)), "?")
                # The guard's method adds the service name to what its caller passes.
                is_method = isinstance(node.func, ast.Attribute)
                passed = {"service", *(arg for arg in keywords if arg)} if is_method else None
                found.append(("exceptions", key, passed, where))
            if flow and (step := _literal(keywords.get("step_id"), constants)):
                found.append((f"{flow}.step", step, None, where))
            if (
                flow
                and func == "async_abort"
                and (reason := _literal(keywords.get("reason"), constants)) is not None
            ):
                found.append((f"{flow}.abort", reason, None, where))
            if "translation_key" not in keywords:
                continue
            if (key := _literal(keywords["translation_key"], constants)) is None:
                continue  # inside a helper that takes the key: its callers are checked
            passed = _placeholders(keywords.get("translation_placeholders"))
            if func == "async_create_issue":
                found.append(("issues", key, passed, where))
            elif func == "SelectSelectorConfig":
                found.append(("selector", key, None, where))
            elif func.endswith("EntityDescription"):
                found.append(("entity.sensor", key, None, where))
            elif EXCEPTION_CALLS.search(func) or func == "kind":
                if "translation_placeholders" not in keywords:
                    passed = set()
                found.append(("exceptions", key, passed, where))
            else:
                found.append(("?", key, None, where))
    return found


def test_translation_keys_used_by_the_integration_exist() -> None:
    """Every key the code uses exists where Home Assistant looks it up, with the placeholders
    the code fills in (exceptions and issues: at least those the message uses)."""
    strings = load("strings.json")
    used = used_translation_keys()
    assert len(used) > 50  # the scan found the integration's strings, not nothing
    for section, key, passed, where in used:
        node: Any = strings
        for part in section.split("."):
            assert part in node, f"{where}: no section {section} for {key!r}"
            node = node[part]
        assert key in node, f"{where}: {section}.{key} is not in strings.json"
        if passed is None:
            continue
        entry = node[key]
        text = (
            entry["message"]
            if section == "exceptions"
            else entry["title"] + entry.get("description", "")
        )
        assert set(PLACEHOLDER.findall(text)) <= passed, f"{where}: {section}.{key}"
        if "service" in passed and key not in VOCU_ONLY:
            # Raised for Noiz and MiniMax entries too: the service is named by the placeholder.
            assert "Vocu" not in text, f"{where}: {section}.{key} names Vocu"


def test_every_form_field_is_described() -> None:
    strings = load("strings.json")
    steps = strings["config"]["step"]
    for step in ("user", "custom_host", "voice", "style", "reauth_confirm", "reconfigure"):
        assert set(steps[step]["data"]) == set(steps[step]["data_description"]), step
    settings = strings["options"]["step"]["settings"]
    assert set(settings["data"]) == set(settings["data_description"])


def test_icons_cover_the_sensors() -> None:
    icons = load("icons.json")
    strings = load("strings.json")
    assert set(icons["entity"]["sensor"]) == set(strings["entity"]["sensor"])
