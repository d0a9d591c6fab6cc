"""Every operation documents the JSON errors it can answer, so clients (and schemathesis)
know the shape of a 400, 401, 403, 404, 409, 422 or 429."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "violations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["rule", "message", "statutory"],
                        "properties": {
                            "rule": {"type": "string"},
                            "message": {"type": "string"},
                            "statutory": {"type": "boolean"},
                        },
                    },
                },
            },
        }
    },
}

READ_ERRORS = {
    "400": "A filter or parameter is not valid; `fields` names each one.",
    "401": "No token, or one that is mistyped, revoked or expired.",
    "403": "Signed in, but this needs a manager or a read-and-write token.",
    "404": "Not found, or not yours to see.",
    "429": "Too many requests; wait the seconds in Retry-After.",
}
WRITE_ERRORS = {
    "409": "Conflicts with the rota as it stands (e.g. filled a moment ago).",
    "422": "The rota rules refuse it; `violations` lists each rule in plain English.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            errors = dict(READ_ERRORS)
            if method in ("post", "patch", "put", "delete"):
                errors.update(WRITE_ERRORS)
            if path.endswith("/schema/"):
                continue
            responses = operation.setdefault("responses", {})
            for code, text in errors.items():
                responses.setdefault(
                    code, {"description": text, "content": {"application/json": {"schema": ref}}}
                )
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "staffrota.api.authentication.TokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from an admin: `Authorization: Bearer srt_…`.",
        }
