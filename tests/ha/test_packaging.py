"""What HACS installs: HACS's and hassfest's offline checks, brand images, the one version, and the
quality-scale record. Every validator also runs on a mutated copy, where it must fail."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import homeassistant
import pytest
import vocu_client
import yaml
from repo_validators import (
    ALL_VALIDATORS,
    hacs_brand_errors,
    hacs_information_errors,
    hacs_json_errors,
    hacs_manifest_errors,
    hassfest_manifest_errors,
    icons_errors,
    services_errors,
    translation_errors,
)

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "vocu"


# -- the validators, on this repository and on broken copies ----------------------------------


@pytest.mark.parametrize("name", sorted(ALL_VALIDATORS))
def test_repository_passes(name: str) -> None:
    assert ALL_VALIDATORS[name](ROOT) == []


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what HACS reads: hacs.json, README, LICENSE and the integration folder."""
    for name in ("hacs.json", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(
        INTEGRATION,
        tmp_path / "custom_components" / "vocu",
        ignore=shutil.ignore_patterns("__pycache__", "client"),
    )
    return tmp_path


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))


def vocu(repo: Path) -> Path:
    return repo / "custom_components" / "vocu"


def test_copy_passes_before_mutation(repo: Path) -> None:
    # Otherwise a mutation test could pass for a reason other than its mutation.
    results = {name: check(repo) for name, check in ALL_VALIDATORS.items()}
    assert results == {name: [] for name in ALL_VALIDATORS}


def test_hacs_json_rejects_an_unknown_key(repo: Path) -> None:
    edit_json(repo / "hacs.json", lambda d: d.update(domains=["tts"]))
    assert any("not a valid option at 'domains'" in e for e in hacs_json_errors(repo))


def test_hacs_json_needs_a_name_and_keeps_zip_release_off(repo: Path) -> None:
    edit_json(repo / "hacs.json", lambda d: d.pop("name"))
    assert any("name" in e for e in hacs_json_errors(repo))
    edit_json(repo / "hacs.json", lambda d: d.update(name="Vocu", zip_release=True))
    errors = hacs_json_errors(repo)
    assert "hacs.json: zip_release is True, but filename is not set" in errors
    assert any("zip_release must stay off" in e for e in errors)


@pytest.mark.parametrize("key", ["codeowners", "documentation", "issue_tracker", "version"])
def test_hacs_manifest_needs_each_key(repo: Path, key: str) -> None:
    edit_json(vocu(repo) / "manifest.json", lambda d: d.pop(key))
    assert any(key in e for e in hacs_manifest_errors(repo))


def test_hacs_manifest_urls_must_be_urls(repo: Path) -> None:
    edit_json(vocu(repo) / "manifest.json", lambda d: d.update(issue_tracker="not a url"))
    assert any("issue_tracker" in e for e in hacs_manifest_errors(repo))


def test_hacs_needs_local_brand_images(repo: Path) -> None:
    (vocu(repo) / "brand" / "icon.png").unlink()
    assert hacs_brand_errors(repo)


def test_hacs_needs_a_readme(repo: Path) -> None:
    (repo / "README.md").unlink()
    assert hacs_information_errors(repo)


def test_hassfest_manifest_key_order(repo: Path) -> None:
    def swap(data: dict) -> None:
        items = list(data.items())
        data.clear()
        data.update([items[1], items[0], *items[2:]])  # name before domain

    edit_json(vocu(repo) / "manifest.json", swap)
    assert any("not sorted" in e for e in hassfest_manifest_errors(repo))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("version"), "No 'version' key"),
        (lambda d: d.pop("iot_class"), "missing an IoT Class"),
        (lambda d: d.update(version="one"), "not a valid version"),
        (lambda d: d.update(documentation="http://example.com/vocu"), "https"),
        (lambda d: d.update(domain="voku"), "Domain does not match dir name"),
        (lambda d: d.update(zip_release=True), "not a valid option at 'zip_release'"),
    ],
)
def test_hassfest_manifest_rules(repo: Path, change: Callable, expected: str) -> None:
    edit_json(vocu(repo) / "manifest.json", change)
    assert any(expected in e for e in hassfest_manifest_errors(repo))


def _user_step(data: dict) -> dict:
    return data["config"]["step"]["user"]


@pytest.mark.parametrize(
    "file", ["strings.json", "translations/en.json", "translations/zh-Hans.json"]
)
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _user_step(d).update(title="See https://example.com first"),
            "should not contain URLs",
        ),
        (lambda d: _user_step(d).update(title="Choose "), "leading or trailing spaces"),
        (lambda d: _user_step(d).update(title="Pick '{provider}'"), "inside single quotes"),
        (lambda d: _user_step(d).update(title="Pick <b>one</b>"), "HTML"),
        (
            lambda d: _user_step(d)["data_description"].update(nonexistent="A field"),
            "data_description key nonexistent is not in data",
        ),
        (
            lambda d: d["selector"]["preset"]["options"].update({"Not A Key": "x"}),
            "Invalid translation key",
        ),
        (lambda d: d.update(unknown_section={}), "not a valid option at 'unknown_section'"),
    ],
)
def test_hassfest_translation_rules(repo: Path, file: str, change: Callable, expected: str) -> None:
    edit_json(vocu(repo) / file, change)
    errors = translation_errors(repo)
    assert any(expected in e for e in errors), errors


def test_translation_placeholders_must_match_strings(repo: Path) -> None:
    def drop_placeholder(data: dict) -> None:
        _user_step(data)["description"] = "No placeholder here."

    edit_json(vocu(repo) / "translations" / "zh-Hans.json", drop_placeholder)
    assert any("placeholders" in e for e in translation_errors(repo))


def test_english_translation_must_be_complete(repo: Path) -> None:
    edit_json(vocu(repo) / "translations" / "en.json", lambda d: d["services"].pop("add_style"))
    assert any("missing keys" in e for e in translation_errors(repo))


def test_services_need_translated_names(repo: Path) -> None:
    def drop_field(data: dict) -> None:
        del data["services"]["clone_voice"]["fields"]["audio"]["description"]

    edit_json(vocu(repo) / "translations" / "en.json", drop_field)
    errors = services_errors(repo)
    assert "Service clone_voice has a field audio with no description" in errors


def test_every_action_in_services_yaml_is_translated_and_vice_versa(repo: Path) -> None:
    path = vocu(repo) / "services.yaml"
    services = yaml.safe_load(path.read_text())
    services["rename_voice"] = {"fields": {"voice_id": {"required": True}}}
    del services["add_style"]
    path.write_text(yaml.safe_dump(services))
    errors = services_errors(repo)
    assert "Service rename_voice has no name in the translations file" in errors
    assert any("add_style" in e and "does not define" in e for e in errors)


def test_services_yaml_selectors_are_validated(repo: Path) -> None:
    path = vocu(repo) / "services.yaml"
    services = yaml.safe_load(path.read_text())
    services["clone_voice"]["fields"]["name"]["selector"] = {"no_such_selector": {}}
    path.write_text(yaml.safe_dump(services))
    assert any("services.yaml" in e for e in services_errors(repo))


def test_icons_must_be_mdi_and_cover_every_action(repo: Path) -> None:
    def break_icons(data: dict) -> None:
        data["services"]["list_voices"]["service"] = "fa:voice"
        del data["services"]["add_style"]

    edit_json(vocu(repo) / "icons.json", break_icons)
    errors = icons_errors(repo)
    assert any("mdi:" in e for e in errors)
    assert "Service add_style has no icon in icons.json." in errors


def test_entity_icons_need_a_translation_key(repo: Path) -> None:
    edit_json(
        vocu(repo) / "icons.json",
        lambda d: d["entity"]["sensor"].update(made_up={"default": "mdi:cash"}),
    )
    assert any("made_up" in e for e in icons_errors(repo))


# -- the integration's own packaging facts -----------------------------------------------------


def test_manifest_needs_nothing_beyond_home_assistant() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert manifest["domain"] == "vocu"
    assert manifest["requirements"] == []
    assert manifest["dependencies"] == []
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "service"
    assert manifest["iot_class"] == "cloud_polling"


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Vocu"
    assert hacs["homeassistant"] == "2026.10.0"
    assert not hacs.get("zip_release")  # no GitHub release carries the zip yet


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_brand_images() -> None:
    assert png_size(INTEGRATION / "brand" / "icon.png") == (256, 256)
    assert png_size(INTEGRATION / "brand" / "icon@2x.png") == (512, 512)
    width, height = png_size(INTEGRATION / "brand" / "logo.png")
    assert height == 256
    assert width > height


def test_one_version_everywhere() -> None:
    """manifest.json = vocu_client.__version__ = `vocu --version` = `vocu-discord-bot --version`."""
    version = vocu_client.__version__
    assert json.loads((INTEGRATION / "manifest.json").read_text())["version"] == version
    bin_dir = Path(sys.executable).parent
    for command in ("vocu", "vocu-discord-bot"):
        done = subprocess.run(
            [str(bin_dir / command), "--version"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert done.stdout.strip() == f"{command} {version}"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {version}" in changelog


# -- the quality scale --------------------------------------------------------------------------

# hassfest's rule list (script/hassfest/quality_scale.py), by tier.
QUALITY_RULES = {
    "bronze": {
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "entity-event-setup", "entity-unique-id",
        "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    },
    "gold": {
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}  # fmt: skip
ALL_RULES = set().union(*QUALITY_RULES.values())


def rules_core_integrations_record() -> set[str]:
    """The rule names the installed Home Assistant's own quality_scale.yaml files use.

    hassfest makes every core file list every rule, so their union is the current list; a Home
    Assistant upgrade that adds a rule shows up here.
    """
    found: set[str] = set()
    for path in Path(homeassistant.__file__).parent.glob("components/*/quality_scale.yaml"):
        found |= set((yaml.safe_load(path.read_text()) or {}).get("rules", {}))
    return found


def test_pinned_rule_list_is_home_assistants_current_one() -> None:
    assert len(ALL_RULES) == 54
    assert rules_core_integrations_record() == ALL_RULES


def test_quality_scale_lists_every_rule_with_a_valid_status_and_reason() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == ALL_RULES
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "todo", "exempt"), name
        if status != "done":
            assert isinstance(rule, dict), f"{name}: {status} needs a reason"
            assert rule.get("comment"), f"{name}: {status} needs a reason"


def test_dependency_transparency_quotes_the_rule() -> None:
    rule = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"][
        "dependency-transparency"
    ]
    assert rule["status"] == "todo"  # "There are no exceptions to this rule."
    assert "The dependency must be available on PyPI." in rule["comment"]
