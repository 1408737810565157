"""The OpenAPI document as the services behave: every problem status an operation can answer,
with the problem+json bodies they really send."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

PROBLEM = "application/problem+json"
F = TypeVar("F")

DESCRIPTIONS = {
    400: "The request could not be read: not valid HTTP, or a body that is not JSON text",
    401: "No API key, or one that is unknown or revoked",
    403: "The key's role may not call this, or the merchant has not consented",
    404: "No such resource for this caller",
    409: "Conflicts with the current state; the detail says how",
    413: "The body, or the number of rows in it, is over the limit",
    422: "Invalid request: each invalid field, where it is and why",
    431: "The request line and headers are over 16 KiB",
    503: "A service this one depends on is not reachable; try again shortly",
}

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "request_id": {"type": "string", "description": "Identifies the request in the logs"},
    },
}
_FIELD_ERROR = {
    "type": "object",
    "required": ["field", "in", "reason"],
    "properties": {
        "field": {"type": "string", "description": "Dotted path of the field, or (body)"},
        "in": {"type": "string", "enum": ["body", "query", "path", "header"]},
        "reason": {"type": "string"},
    },
}
_VALIDATION_SCHEMA = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": _FIELD_ERROR}}},
    ]
}


def raises(*statuses: int) -> Callable[[F], F]:
    """Mark an endpoint or a dependency with the problem statuses it may answer (beyond those the
    document infers from its parameters, body and security)."""

    def mark(fn: F) -> F:
        # A mark on the function itself, read back by statuses(); F says nothing of such attributes.
        fn.problem_statuses = frozenset(statuses) | getattr(fn, "problem_statuses", frozenset())  # type: ignore[attr-defined]
        return fn

    return mark


def problem_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of a problem status."""
    schema = "ValidationProblem" if status == 422 else "Problem"
    out: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Problem"),
        "content": {PROBLEM: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if status == 401:
        out["headers"] = {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}
    return out


def allowed_methods(app: FastAPI, path: str) -> str:
    """Every method some route of `path` accepts, for a 405's Allow header."""
    methods: set[str] = set()
    for context in iter_route_contexts(app.routes):
        regex = getattr(context, "path_regex", None)
        if context.methods and regex is not None and regex.match(path):
            methods |= context.methods
    return ", ".join(sorted(methods))


def _calls(dependant: Dependant) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def statuses(dependant: Dependant, operation: dict[str, Any]) -> set[int]:
    """The problem statuses one operation can answer."""
    found = {431}
    params = operation.get("parameters", [])
    if operation.get("requestBody"):
        found |= {400, 413, 422}
    if params:
        found.add(422)
    if any(p.get("in") == "path" for p in params):
        found.add(404)
    if operation.get("security"):
        found.add(401)
    for call in _calls(dependant):
        found |= set(getattr(call, "problem_statuses", ()))
    return found


def document_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI document list each operation's problem statuses and bodies."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        # FastAPI keeps the document it makes as app.openapi_schema: adding to it adds to both.
        doc = generate()
        _add_problems(app, doc)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its document


def _add_problems(app: FastAPI, doc: dict[str, Any]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = _PROBLEM_SCHEMA
    schemas["ValidationProblem"] = _VALIDATION_SCHEMA
    # Included routers are wrapped: their routes, with the full path, come from the contexts.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in context.methods or ():
            operation = doc["paths"].get(context.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            # FastAPI documents its own `detail[]` shape for 422; the services send problem+json.
            responses.pop("422", None)
            for status in sorted(statuses(route.dependant, operation)):
                responses.setdefault(str(status), problem_response(status))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
