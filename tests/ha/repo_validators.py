"""The offline rules of HACS's and hassfest's validators, reproduced against a repository folder.

Each function takes the repository root and returns the errors it finds (empty: valid), so a test
can run it on this repository and on a mutated copy. The patterns are the validators' own:
HACS `custom_components/hacs/utils/validate.py` (hacs.json and manifest schemas) and
`validate/{brands,information}.py`; hassfest `script/hassfest/{manifest,translations,services,
icons}.py`. Where hassfest checks a rule for core integrations only (action names, icons), it is
applied here too: Home Assistant shows the same strings and icons for a custom integration.
The checks that need GitHub's API (description, topics, licence detection) run in
.github/workflows/validate.yml with the official actions.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import homeassistant.helpers.config_validation as cv
import voluptuous as vol
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
from homeassistant.helpers import selector
from voluptuous.humanize import humanize_error

DOMAIN = "vocu"


def integration_dir(repo: Path) -> Path:
    return repo / "custom_components" / DOMAIN


def _load_json(path: Path, errors: list[str]) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        errors.append(f"{path.name}: missing")
    except ValueError as err:
        errors.append(f"{path.name}: invalid JSON: {err}")
    return None


def _check(schema: Callable[[Any], Any], data: Any, name: str, errors: list[str]) -> None:
    try:
        schema(data)
    except vol.Invalid as err:
        errors.append(f"{name}: {humanize_error(data, err)}")


# -- HACS ------------------------------------------------------------------------------------

HACS_JSON_SCHEMA = vol.Schema(
    {
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
        vol.Required("name"): str,
    },
    extra=vol.PREVENT_EXTRA,
)

HACS_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): cv.url,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): cv.url,
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)


def hacs_json_errors(repo: Path) -> list[str]:
    errors: list[str] = []
    data = _load_json(repo / "hacs.json", errors)
    if data is None:
        return errors
    _check(HACS_JSON_SCHEMA, data, "hacs.json", errors)
    if data.get("zip_release") and not data.get("filename"):
        errors.append("hacs.json: zip_release is True, but filename is not set")
    if data.get("zip_release"):
        # Ours: with it on HACS installs only a GitHub release asset, and no release exists yet.
        errors.append("hacs.json: zip_release must stay off until releases carry the zip")
    if (version := data.get("homeassistant")) is not None:
        try:
            AwesomeVersion(version, ensure_strategy=AwesomeVersionStrategy.CALVER)
        except AwesomeVersionException:
            errors.append(f"hacs.json: homeassistant {version!r} is not a release version")
    return errors


def hacs_manifest_errors(repo: Path) -> list[str]:
    errors: list[str] = []
    data = _load_json(integration_dir(repo) / "manifest.json", errors)
    if data is not None:
        _check(HACS_MANIFEST_SCHEMA, data, "manifest.json", errors)
    return errors


def hacs_brand_errors(repo: Path) -> list[str]:
    """HACS looks for local brand assets at <integration>/brand/icon.png first."""
    if not (integration_dir(repo) / "brand" / "icon.png").is_file():
        return ["brand/icon.png: missing (and the domain is not in the brands repository)"]
    return []


def hacs_information_errors(repo: Path) -> list[str]:
    names = {path.name.lower() for path in repo.iterdir()}
    if names & {"readme", "readme.md", "info", "info.md"}:
        return []
    return ["the repository has no information file (README.md)"]


# -- hassfest: manifest -------------------------------------------------------------------------

IOT_CLASSES = [
    "assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push",
]  # fmt: skip
INTEGRATION_TYPES = ["device", "entity", "hardware", "helper", "hub", "service", "system"]
CORE_DOCUMENTATION_BASE = "https://www.home-assistant.io/integrations"


def _custom_documentation_url(value: str) -> str:
    if urlparse(value).scheme != "https":
        raise vol.Invalid("Documentation url is not prefixed with https")
    if value.startswith(CORE_DOCUMENTATION_BASE):
        raise vol.Invalid("Documentation URL should point to the custom integration documentation")
    return value


def _version(value: str) -> str:
    try:
        AwesomeVersion(
            value,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        raise vol.Invalid(f"'{value}' is not a valid version.") from err
    return value


# The keys this integration can use (discovery matchers omitted: a cloud service has none, and a
# key outside this schema is rejected, as hassfest's PREVENT_EXTRA does).
CUSTOM_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): str,
        vol.Required("name"): str,
        vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Optional("config_flow"): bool,
        vol.Required("documentation"): vol.All(vol.Url(), _custom_documentation_url),
        vol.Optional("quality_scale"): vol.In(
            ["bronze", "silver", "gold", "platinum", "custom", "no_score", "internal", "legacy"]
        ),
        vol.Optional("requirements"): [str],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Required("codeowners"): [str],
        vol.Optional("loggers"): [str],
        vol.Optional("disabled"): str,
        vol.Optional("iot_class"): vol.In(IOT_CLASSES),
        vol.Optional("single_config_entry"): bool,
        vol.Optional("version"): vol.All(str, _version),
        vol.Optional("issue_tracker"): vol.Url(),
        vol.Optional("import_executor"): bool,
    }
)


def _manifest_sort_key(key: str) -> str:
    return {"domain": ".domain", "name": ".name"}.get(key, key)


def hassfest_manifest_errors(repo: Path) -> list[str]:
    errors: list[str] = []
    path = integration_dir(repo) / "manifest.json"
    manifest = _load_json(path, errors)
    if manifest is None:
        return errors
    _check(CUSTOM_MANIFEST_SCHEMA, manifest, "manifest.json", errors)
    if manifest.get("domain") != path.parent.name:
        errors.append("manifest.json: Domain does not match dir name")
    if "iot_class" not in manifest:
        errors.append("manifest.json: Domain is missing an IoT Class")
    if not manifest.get("version"):
        errors.append("manifest.json: No 'version' key in the manifest file.")
    keys = list(manifest)
    if sorted(keys, key=_manifest_sort_key) != keys:
        errors.append("manifest.json: keys are not sorted: domain, name, then alphabetical order")
    return errors


# -- hassfest: translations ---------------------------------------------------------------------

RE_REFERENCE = r"\[\%key:(.+)\%\]"
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def translation_key(value: str) -> str:
    if RE_TRANSLATION_KEY.match(value) is None:
        raise vol.Invalid(
            f"Invalid translation key '{value}', need to be [a-z0-9-_]+ and"
            " cannot start or end with a hyphen or underscore."
        )
    return value


def _placeholders(value: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(value) if field}


def translation_value(value: Any, allow_placeholders: bool = True) -> str:
    text = cv.string_with_no_html(value)
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
        raise vol.Invalid("the string should not contain placeholders inside single quotes")
    for field in _placeholders(text):
        if not allow_placeholders:
            raise vol.Invalid("placeholders are not supported in this value")
        if not field.isidentifier():
            raise vol.Invalid("placeholders must be valid identifiers ([a-zA-Z_][a-zA-Z0-9_]*)")
    if RE_COMBINED_REFERENCE.search(text):
        raise vol.Invalid("the string should not contain combined translations")
    if text != text.strip():
        raise vol.Invalid("the string should not contain leading or trailing spaces")
    if RE_URL.search(text):
        raise vol.Invalid(
            "the string should not contain URLs, please use description placeholders instead"
        )
    return text


def _no_placeholders(value: Any) -> str:
    return translation_value(value, allow_placeholders=False)


def _data_entry_schema(*, subentry: bool = False) -> vol.All:
    section = {
        vol.Optional("data"): {str: translation_value},
        vol.Optional("data_description"): {str: translation_value},
        vol.Optional("description"): translation_value,
        vol.Optional("name"): translation_value,
    }
    schema: dict[Any, Any] = {
        vol.Optional("flow_title"): translation_value,
        vol.Required("step"): {
            str: {
                vol.Optional("title"): translation_value,
                vol.Optional("description"): translation_value,
                vol.Optional("data"): {str: translation_value},
                vol.Optional("data_description"): {str: translation_value},
                vol.Optional("menu_options"): {str: translation_value},
                vol.Optional("menu_option_descriptions"): {str: translation_value},
                vol.Optional("submit"): translation_value,
                vol.Optional("sections"): {str: section},
            }
        },
        vol.Optional("error"): {str: translation_value},
        vol.Optional("abort"): {str: translation_value},
        vol.Optional("progress"): {str: translation_value},
        vol.Optional("create_entry"): {str: translation_value},
        vol.Optional("initiate_flow"): {vol.Required("user"): translation_value},
    }
    if subentry:
        schema[vol.Required("entry_type")] = translation_value
        schema[vol.Required("initiate_flow")] = {
            vol.Required("user"): translation_value,
            str: translation_value,
        }

    def data_description_in_data(value: dict[str, Any]) -> dict[str, Any]:
        for step_id, step in value["step"].items():
            for key in step.get("data_description", {}):
                if key not in step.get("data", {}):
                    raise vol.Invalid(f"step {step_id}: data_description key {key} is not in data")
        return value

    return vol.All(vol.Schema(schema), data_description_in_data)


def _slug_keys(value_schema: Any, slug: Callable[[Any], Any] = translation_key) -> Any:
    return cv.schema_with_slug_keys(value_schema, slug_validator=slug)


_FIELDS = _slug_keys(
    {
        vol.Required("name"): str,
        vol.Required("description"): translation_value,
        vol.Optional("example"): translation_value,
    }
)

STRINGS_SCHEMA = vol.Schema(
    {
        vol.Optional("title"): translation_value,
        vol.Optional("config"): _data_entry_schema(),
        vol.Optional("config_subentries"): _slug_keys(
            _data_entry_schema(subentry=True), vol.Any("_", cv.slug)
        ),
        vol.Optional("options"): _data_entry_schema(),
        vol.Optional("selector"): _slug_keys(
            {
                vol.Optional("choices"): _slug_keys(translation_value),
                vol.Optional("options"): _slug_keys(translation_value),
                vol.Optional("unit_of_measurement"): _slug_keys(translation_value),
                vol.Optional("fields"): _slug_keys(
                    {vol.Required("name"): str, vol.Required("description"): translation_value}
                ),
            },
            vol.Any("_", cv.slug),
        ),
        vol.Optional("issues"): {
            str: vol.All(
                cv.has_at_least_one_key("description", "fix_flow"),
                vol.Schema(
                    {
                        vol.Required("title"): translation_value,
                        vol.Exclusive("description", "fixable"): translation_value,
                        vol.Exclusive("fix_flow", "fixable"): _data_entry_schema(),
                    }
                ),
            )
        },
        vol.Optional("device"): _slug_keys({vol.Optional("name"): translation_value}),
        vol.Optional("entity"): _slug_keys(
            _slug_keys(
                {
                    vol.Optional("name"): translation_value,
                    vol.Optional("state"): _slug_keys(_no_placeholders),
                    vol.Optional("state_attributes"): _slug_keys(
                        {
                            vol.Optional("name"): _no_placeholders,
                            vol.Optional("state"): _slug_keys(_no_placeholders),
                        }
                    ),
                    vol.Optional("unit_of_measurement"): _no_placeholders,
                }
            ),
            cv.slug,
        ),
        vol.Optional("exceptions"): _slug_keys(
            {vol.Optional("message"): translation_value}, cv.slug
        ),
        vol.Optional("services"): _slug_keys(
            {
                vol.Required("name"): translation_value,
                vol.Required("description"): translation_value,
                vol.Optional("fields"): _FIELDS,
                vol.Optional("sections"): _slug_keys(
                    {vol.Required("name"): str, vol.Optional("description"): translation_value}
                ),
            }
        ),
        vol.Optional("common"): vol.Schema({cv.slug: translation_value}),
    }
)


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(tree, str):
        yield path, tree


def _resolve(strings: dict[str, Any], value: str) -> str | None:
    """A `[%key:component::vocu::…%]` reference's text; None for another component's key."""
    match = re.fullmatch(RE_REFERENCE, value)
    if not match:
        return value
    parts = match.group(1).split("::")
    if parts[:2] != ["component", DOMAIN]:
        return None
    node: Any = strings
    for part in parts[2:]:
        node = node[part]
    return _resolve(strings, node)


def translation_errors(repo: Path) -> list[str]:
    """strings.json and every translations/*.json: schema, plus placeholders that match."""
    errors: list[str] = []
    integration = integration_dir(repo)
    strings = _load_json(integration / "strings.json", errors)
    if strings is None:
        return errors
    _check(STRINGS_SCHEMA, strings, "strings.json", errors)
    source = {path: _resolve(strings, text) for path, text in _leaves(strings)}
    for file in sorted((integration / "translations").glob("*.json")):
        name = f"translations/{file.name}"
        translated = _load_json(file, errors)
        if translated is None:
            continue
        _check(STRINGS_SCHEMA, translated, name, errors)
        for path, text in _leaves(translated):
            key = "::".join(path)
            if path not in source:
                errors.append(f"{name}: {key} is not in strings.json")
                continue
            wanted = source[path]
            if wanted is not None and _placeholders(text) != _placeholders(wanted):
                errors.append(
                    f"{name}: {key} placeholders {sorted(_placeholders(text))} "
                    f"!= strings.json {sorted(_placeholders(wanted))}"
                )
        if file.name == "en.json":
            missing = sorted("::".join(p) for p in source if p not in dict(_leaves(translated)))
            if missing:
                errors.append(f"{name}: missing keys {missing} (run scripts/sync_translations.py)")
    return errors


# -- hassfest: services.yaml and icons.json -----------------------------------------------------

_FIELD_SCHEMA = vol.Schema(
    {
        vol.Optional("example"): vol.NotIn([None]),
        vol.Optional("default"): vol.NotIn([None]),
        vol.Optional("required"): bool,
        vol.Optional("advanced"): bool,
        vol.Optional("selector"): selector.validate_selector,
        vol.Optional("name"): str,
        vol.Optional("description"): str,
    }
)
_SECTION_SCHEMA = vol.Schema(
    {
        vol.Optional("collapsed"): bool,
        vol.Required("fields"): {str: _FIELD_SCHEMA},
        vol.Optional("name"): str,
        vol.Optional("description"): str,
    }
)
SERVICES_SCHEMA = vol.Schema(
    {
        cv.slug: vol.Any(
            vol.Schema(
                {
                    vol.Optional("target"): vol.Any(selector.TargetSelector.CONFIG_SCHEMA, None),
                    vol.Optional("fields"): {str: vol.Any(_FIELD_SCHEMA, _SECTION_SCHEMA)},
                    vol.Optional("name"): str,
                    vol.Optional("description"): str,
                }
            ),
            None,
        )
    }
)


def services_errors(repo: Path) -> list[str]:
    """services.yaml's schema, and each action, field and section named in the translations."""
    errors: list[str] = []
    integration = integration_dir(repo)
    try:
        services = yaml.safe_load((integration / "services.yaml").read_text())
    except FileNotFoundError:
        return ["services.yaml: missing"]
    _check(SERVICES_SCHEMA, services, "services.yaml", errors)
    en = _load_json(integration / "translations" / "en.json", errors) or {}
    translated = en.get("services", {})
    for name, service in services.items():
        strings = translated.get(name, {})
        for key in ("name", "description"):
            if key not in strings:
                errors.append(f"Service {name} has no {key} in the translations file")
        for field_name, field in ((service or {}).get("fields") or {}).items():
            if "fields" in field:  # a section
                if field_name not in strings.get("sections", {}):
                    errors.append(f"Service {name} has a section {field_name} with no name")
                continue
            for key in ("name", "description"):
                if key not in strings.get("fields", {}).get(field_name, {}):
                    errors.append(f"Service {name} has a field {field_name} with no {key}")
            select_key = ((field.get("selector") or {}).get("select") or {}).get("translation_key")
            if select_key and select_key not in en.get("selector", {}):
                errors.append(f"Service {name} field {field_name}: no selector {select_key}")
    for name in set(translated) - set(services):
        errors.append(f"translations name a service {name} that services.yaml does not define")
    return errors


def _icon(value: Any) -> str:
    text = cv.string_with_no_html(value)
    if not text.startswith("mdi:"):
        raise vol.Invalid(
            "The icon needs to be a valid icon from Material Design Icons and start with `mdi:`"
        )
    return str(text)


_STATE_ICONS = _slug_keys(_icon)
ICONS_SCHEMA = vol.Schema(
    {
        vol.Optional("services"): _slug_keys(
            {vol.Optional("service"): _icon, vol.Optional("sections"): _slug_keys(_icon)}
        ),
        vol.Required("entity"): _slug_keys(
            _slug_keys(
                {
                    vol.Optional("default"): _icon,
                    vol.Optional("state"): _STATE_ICONS,
                    vol.Optional("range"): {vol.Coerce(float): _icon},
                    vol.Optional("state_attributes"): _slug_keys(
                        {vol.Optional("default"): _icon, vol.Optional("state"): _STATE_ICONS}
                    ),
                }
            ),
            cv.slug,
        ),
    }
)


def icons_errors(repo: Path) -> list[str]:
    """icons.json's schema; every action has an icon; every entity icon has a translation key."""
    errors: list[str] = []
    integration = integration_dir(repo)
    icons = _load_json(integration / "icons.json", errors)
    if icons is None:
        return errors
    _check(ICONS_SCHEMA, icons, "icons.json", errors)
    services = yaml.safe_load((integration / "services.yaml").read_text()) or {}
    for name in services:
        if name not in icons.get("services", {}):
            errors.append(f"Service {name} has no icon in icons.json.")
    strings = _load_json(integration / "strings.json", errors) or {}
    for platform, keys in icons.get("entity", {}).items():
        for key in keys:
            if key not in strings.get("entity", {}).get(platform, {}):
                errors.append(f"icons.json: entity {platform}.{key} has no translation key")
    return errors


ALL_VALIDATORS: dict[str, Callable[[Path], list[str]]] = {
    "hacs.json": hacs_json_errors,
    "hacs manifest": hacs_manifest_errors,
    "hacs brand": hacs_brand_errors,
    "hacs information": hacs_information_errors,
    "hassfest manifest": hassfest_manifest_errors,
    "hassfest translations": translation_errors,
    "hassfest services": services_errors,
    "hassfest icons": icons_errors,
}
