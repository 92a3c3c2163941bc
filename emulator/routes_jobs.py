"""Asynchronous generation jobs: `/api/tts/generate` (pending → processing → generated)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import web

from .api import ApiError, authenticate, json_body, ok, state, truthy
from .generation import check_credit, check_emotions, check_text, sound_of, style_of
from .routes_tts import audio_url, stream_url
from .routes_voice import usable_voice
from .state import LANGUAGES, Account, Job

TEXT_KEYS = frozenset(
    [
        "type",
        "voiceId",
        "text",
        "promptId",
        "language",
        "emo_switch",
        "vivid",
        "break_clone",
        "preset",
        "seed",
        "speechRate",
        "infinite_mode",
        "post_processing",
        "gamble",
        "interval",
        "interval_head",
        "interval_tail",
        "interval_range",
        "instruct_mode",
        "reference_mode",
    ]
)
JOB_TYPE = "vocu-neural-voice-001"


def _contents(body: dict[str, Any]) -> list[dict[str, Any]]:
    contents = body.get("contents")
    if contents is not None and any(k in body for k in ("text", "splitter", "splitterId")):
        raise ApiError(
            400, "VALIDATION_CONFLICT", "Use either contents, text+splitter or text+splitterId"
        )
    if contents is None:
        if "splitterId" in body:
            raise ApiError(404, "SPLITTER_NOT_FOUND", "Splitter not found")
        if "splitter" in body:
            raise ApiError(400, "TTS_SPLITTER_INVALID", "Splitters are not emulated")
        raise ApiError(400, "TTS_CONTENTS_INVALID", "contents is required")
    if not isinstance(contents, list) or not contents:
        raise ApiError(400, "TTS_CONTENTS_INVALID", "contents must be a non-empty list")
    cleaned = []
    for item in contents:
        if not isinstance(item, dict):
            raise ApiError(400, "TTS_CONTENTS_INVALID", "each content must be an object")
        if item.get("type", "text") != "text":
            raise ApiError(400, "TTS_CONTENTS_INVALID", "Only text contents are emulated")
        kept = {k: v for k, v in item.items() if k in TEXT_KEYS}  # others are silently dropped
        check_text(kept.get("text"))
        if kept.get("language", "auto") not in LANGUAGES:
            raise ApiError(400, "TTS_CONTENTS_INVALID", f"Unsupported language {kept['language']}")
        check_emotions(kept.get("emo_switch"))
        cleaned.append(kept)
    return cleaned


def _job_to_api(request: web.Request, job: Job, *, with_stream: bool) -> dict[str, Any]:
    audio = state(request).audio
    status = job.status()
    done = status == "generated"
    contents = []
    for item, audio_id in zip(job.contents, job.segment_audio, strict=True):
        segment = dict(item)
        if done:
            segment["audio"] = audio_url(request, audio[audio_id])
            segment["generatedAt"] = job.created_at
        contents.append(segment)
    metadata: dict[str, Any] = {
        "contents": contents,
        "characters": job.characters,
        "voices": job.voices,
        "isPremium": False,
        "srt": None,
    }
    if done:
        metadata["audio"] = audio_url(request, audio[job.merged_audio])
        metadata["generatedAt"] = job.created_at
    if with_stream and status in ("processing", "generated"):
        # `?stream=1` swaps the audio address for the stream URL; there is no `streamUrl` field.
        metadata["audio"] = stream_url(request, audio[job.merged_audio])
    return {
        "id": job.id,
        "userId": job.owner,
        "status": status,
        "type": JOB_TYPE,
        "createdAt": job.created_at,
        "metadata": metadata,
    }


def _find_job(account: Account, job_id: str) -> Job:
    job = account.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "GENERATE_NOT_FOUND", f"Generation task {job_id} not found")
    return job


async def create_job(request: web.Request) -> web.Response:
    account = authenticate(request)
    body = await json_body(request)
    contents = _contents(body)
    emulator_state = state(request)
    with emulator_state.lock:
        characters = sum(len(item["text"]) for item in contents)
        segments, voices = [], {}
        for item in contents:
            voice = usable_voice(account, item.get("voiceId"))
            style_id = style_of(voice, item.get("promptId"))
            sound = sound_of(voice, style_id, item.get("speechRate"))
            segments.append(emulator_state.new_audio(account.id, item["text"], sound).id)
            voices[voice.id] = voice.to_api()
        check_credit(account, characters)
        account.charge(characters)  # frozen at submit
        merged = emulator_state.new_audio(account.id, "", parts=tuple(segments))
        job = Job(
            id=str(uuid.uuid4()),
            owner=account.id,
            contents=contents,
            characters=characters,
            voices=list(voices.values()),
            segment_audio=segments,
            merged_audio=merged.id,
            step=emulator_state.pacing.job_step,
        )
        account.jobs[job.id] = job
    if truthy(body.get("sync", False)):
        await asyncio.sleep(job.step)  # `sync` waits only until the job is processing
    with emulator_state.lock:
        return ok(_job_to_api(request, job, with_stream=False))


async def list_jobs(request: web.Request) -> web.Response:
    account = authenticate(request)
    query = request.query
    try:
        limit = int(query.get("limit", 20))
        offset = int(query.get("offset", 0))
    except ValueError:
        raise ApiError(
            400, "VALIDATION_INVALID_VALUE", "limit and offset must be integers"
        ) from None
    if limit < 1 or offset < 0:
        raise ApiError(400, "VALIDATION_INVALID_VALUE", "limit must be ≥1 and offset ≥0")
    status = query.get("status")
    with_stream = truthy(query.get("stream", "false"))
    with state(request).lock:
        jobs = list(reversed(account.jobs.values()))  # newest first
        if status:
            jobs = [job for job in jobs if job.status() == status]
        page = jobs[offset : offset + limit]
        return ok([_job_to_api(request, job, with_stream=with_stream) for job in page])


async def get_job(request: web.Request) -> web.Response:
    account = authenticate(request)
    with_stream = truthy(request.query.get("stream", "false"))
    with state(request).lock:
        job = _find_job(account, request.match_info["job_id"])
        return ok(_job_to_api(request, job, with_stream=with_stream))


async def delete_job(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        job = _find_job(account, request.match_info["job_id"])
        if job.status() in ("pending", "processing"):
            raise ApiError(
                403,
                "GENERATE_DELETE_IN_PROGRESS",
                "The task is still running and cannot be deleted",
            )
        del account.jobs[job.id]
    return ok()


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tts/generate", create_job)
    app.router.add_get("/api/tts/generate", list_jobs)
    app.router.add_get("/api/tts/generate/{job_id}", get_job)
    app.router.add_delete("/api/tts/generate/{job_id}", delete_job)
