"""Account info and content templates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .api import ApiError, authenticate, json_body, ok, state
from .state import Account, Template


async def account_info(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        # The one endpoint that answers under `user`, not `data`.
        return web.json_response({"status": 200, "message": "OK", "user": account.to_api()})


def _template_fields(body: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    name = body.get("name")
    contents = body.get("contents")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "name is required")
    if not isinstance(contents, list) or not all(isinstance(c, dict) for c in contents):
        raise ApiError(400, "VALIDATION_MISSING_FIELD", "contents must be a list of objects")
    return name, str(body.get("description") or ""), contents


def _find(account: Account, template_id: str) -> Template:
    template = account.templates.get(template_id)
    if template is None:
        raise ApiError(404, "RESOURCE_NOT_FOUND", f"Template {template_id} not found")
    return template


async def list_templates(request: web.Request) -> web.Response:
    account = authenticate(request)
    try:
        limit = int(request.query.get("limit", 20))
        offset = int(request.query.get("offset", 0))
    except ValueError:
        raise ApiError(
            400, "VALIDATION_INVALID_VALUE", "limit and offset must be integers"
        ) from None
    with state(request).lock:
        templates = list(reversed(account.templates.values()))[offset : offset + limit]
        return ok([t.to_api() for t in templates])


async def create_template(request: web.Request) -> web.Response:
    account = authenticate(request)
    name, description, contents = _template_fields(await json_body(request))
    with state(request).lock:
        template = Template(str(uuid.uuid4()), name, description, contents)
        account.templates[template.id] = template
        return ok(template.to_api())


async def get_template(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        return ok(_find(account, request.match_info["template_id"]).to_api())


async def update_template(request: web.Request) -> web.Response:
    account = authenticate(request)
    name, description, contents = _template_fields(await json_body(request))
    with state(request).lock:
        template = _find(account, request.match_info["template_id"])
        template.name, template.description, template.contents = name, description, contents
        template.updated_at = datetime.now(UTC).isoformat()
    return web.json_response({"status": 200})  # full replace answers without data


async def delete_template(request: web.Request) -> web.Response:
    account = authenticate(request)
    with state(request).lock:
        template = _find(account, request.match_info["template_id"])
        del account.templates[template.id]
    return ok()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/account/info", account_info)
    app.router.add_get("/api/template", list_templates)
    app.router.add_post("/api/template", create_template)
    app.router.add_get("/api/template/{template_id}", get_template)
    app.router.add_post("/api/template/{template_id}", update_template)
    app.router.add_delete("/api/template/{template_id}", delete_template)
