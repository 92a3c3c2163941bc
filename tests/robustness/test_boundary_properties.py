"""Property-based tests: the parse boundary and ids in paths hold for any input Hypothesis finds.

Pure functions only (no network), a bounded number of examples each. Each parser is the one the
client or provider really uses on a decoded answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vocu_client import client as vocu_client_module
from vocu_client import errors
from vocu_client.models import (
    Account,
    GenerationResult,
    Job,
    Preset,
    Template,
    TurboChannel,
    Voice,
    data_object,
    data_objects,
    parse_answer,
)
from vocu_client.paths import resource_path
from vocu_client.providers import minimax, noiz
from yarl import URL

BOUNDED = settings(
    max_examples=200,
    deadline=2000,  # ms per example: generous for a loaded 2-core machine
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow],
)

# Field names the parsers look for, so generated objects hit real code paths, not only misses.
KEYS = [
    "data", "user", "id", "idForGenerate", "name", "status", "metadata", "prompts", "deleted",
    "description", "avatar", "language", "from", "version", "quota", "syncBaseConcurrent",
    "syncPaidConcurrent", "lora", "credit", "bonusCredit", "credits", "isPaid", "email",
    "contents", "audio", "streamUrl", "characters", "voiceId", "text", "key", "i18n_name",
    "turboChannelId", "wsUrl", "cancelAfter", "credit_used", "voices", "voice", "total_count",
    "voice_id", "display_name", "labels", "voice_type", "delete_time", "voice_list", "tag_list",
    "voice_status", "audio_url", "audio_id", "voice_info", "playBackAudio", "has_more", "total",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6),
    ),
    max_leaves=25,
)
payloads = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)


def _noiz_page(payload: Mapping[str, Any]) -> Any:
    items, _total = noiz._voice_list(payload.get("data"))
    return [noiz.parse_voice(item) for item in items if isinstance(item, Mapping)]


PARSERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "vocu voice": vocu_client_module._voice,
    "vocu voices": vocu_client_module._voices,
    "vocu account": vocu_client_module._account,
    "vocu job": vocu_client_module._job,
    "vocu jobs": lambda p: [Job.from_api(item) for item in data_objects(p)],
    "vocu presets": lambda p: [Preset.from_api(item) for item in data_objects(p)],
    "vocu templates": lambda p: [Template.from_api(item) for item in data_objects(p)],
    "vocu turbo channel": lambda p: TurboChannel.from_api(data_object(p)),
    "vocu stream url": lambda p: GenerationResult.from_api(data_object(p)),
    "noiz voices": _noiz_page,
    "minimax voices": lambda p: minimax._voices_of(p, builtin=True),
    "minimax create-mp3": minimax._generation_of,
}


def _check_types(value: Any) -> None:
    """A parsed model has the types its fields promise (front ends rely on them)."""
    if isinstance(value, list):
        for item in value:
            _check_types(item)
        return
    if isinstance(value, Voice):
        assert isinstance(value.id, str) and isinstance(value.name, str)
        for text in (value.description, value.avatar, value.language, value.preview_url):
            assert text is None or isinstance(text, str)
        assert isinstance(value.usable, bool)
        for style in value.styles:
            assert isinstance(style.id, str) and isinstance(style.name, str)
    if isinstance(value, Account):
        for number in (value.credit, value.bonus_credit, value.credits):
            assert isinstance(number, float) and math.isfinite(number)
        assert value.quota.sync_concurrency >= 1
    if isinstance(value, GenerationResult):
        for text in (value.id, value.audio_url, value.stream_url):
            assert text is None or isinstance(text, str)
        assert value.credit_used is None or math.isfinite(value.credit_used)
    if isinstance(value, Job):
        assert value.audio_url is None or isinstance(value.audio_url, str)


@BOUNDED
@given(name=st.sampled_from(list(PARSERS)), payload=payloads)
def test_any_answer_parses_or_is_one_typed_error(name: str, payload: dict[str, Any]) -> None:
    try:
        parsed = parse_answer(PARSERS[name], payload, what=name, request_id="rid-1")
    except errors.UnexpectedResponseError as error:
        assert error.request_id == "rid-1"
        assert str(error).startswith("unexpected answer from the service")
        return
    _check_types(parsed)


TEMPLATES = [
    "/api/voice/{voice_id}",
    "/api/voice/{voice_id}/prompt/{style_id}",
    "/api/tts/generate/{voice_id}",
    "/voices/{voice_id}",
]
ids = st.one_of(
    st.text(max_size=20),
    st.sampled_from([".", "..", "", " ", "%2e%2e", "..%2F", "a/../..", "market:x", "../x"]),
    st.lists(st.sampled_from([".", "..", "/", "%", "2e", "2E", "F", "\\", "?", "#", ";", "a"])).map(
        "".join
    ),
)


@BOUNDED
@given(
    template=st.sampled_from(TEMPLATES),
    voice_id=ids,
    style_id=ids,
    base=st.sampled_from(["http://127.0.0.1:8123", "https://v1.vocu.ai", "http://h/noiz/v1"]),
)
def test_ids_stay_under_their_resource(
    template: str, voice_id: str, style_id: str, base: str
) -> None:
    values = {"voice_id": voice_id, "style_id": style_id}
    try:
        path = resource_path(base, template, provider="vocu", **values)
    except errors.ValidationError:
        # Refused ids are exactly the unusable ones.
        used = [values[name] for name in ("voice_id", "style_id") if "{" + name + "}" in template]
        assert any(
            not value.strip()
            or value.strip() in (".", "..")
            or any(ord(char) < 0x20 for char in value)
            for value in used
        )
        return
    sent = URL(base + path)  # what aiohttp puts on the wire
    prefix = URL(base + template.split("{", 1)[0]).raw_path
    assert sent.raw_path.startswith(prefix)
    # Every id arrives as exactly one segment that decodes back to the id.
    template_parts = template.strip("/").split("/")
    sent_parts = sent.raw_path.removeprefix(URL(base).raw_path.rstrip("/")).strip("/").split("/")
    assert len(sent_parts) == len(template_parts)
    for part, sent_part in zip(template_parts, sent_parts, strict=True):
        if part.startswith("{"):
            assert unquote(sent_part) == values[part.strip("{}")]
        else:
            assert sent_part == part
