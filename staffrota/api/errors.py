"""Every API error is JSON of one shape: {"error": {"status", "code", "message", ...}}.

A refusal by the rota rules is 422 and lists each rule broken, in the words a manager
reads on the grid; a change that conflicts with the rota as it now stands is 409.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from staffrota.leave.engine import LeaveError
from staffrota.rota.services import RotaError, RuleBreach


def _body(status_code: int, code: str, message: str, **extra) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, **extra}}


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            field: [str(item) for item in (value if isinstance(value, list) else [value])]
            for field, value in detail.items()
        }
    items = detail if isinstance(detail, list) else [detail]
    return {"non_field_errors": [str(item) for item in items]}


def exception_handler(exc, context):
    if isinstance(exc, RuleBreach):
        set_rollback()
        violations = [
            {"rule": v.rule, "message": v.message, "statutory": v.statutory}
            for v in exc.verdict.violations
        ]
        message = "The rota rules do not allow this: " + " ".join(v["message"] for v in violations)
        body = _body(422, "rule_breach", message, violations=violations)
        return Response(body, status=422)
    if isinstance(exc, RotaError | LeaveError):
        set_rollback()
        return Response(_body(409, "conflict", str(exc)), status=409)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not yours to see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        summary = "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "non_field_errors" else " ".join(msgs)
            for name, msgs in fields.items()
        )
        body = _body(400, "invalid", f"Please correct: {summary}", fields=fields)
        return Response(body, status=400, headers=headers)
    detail = exc.detail
    message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    return Response(_body(exc.status_code, code, message), status=exc.status_code, headers=headers)


@csrf_exempt  # it changes nothing; a stray PATCH should get this 404, not the CSRF page
def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer JSON, not the HTML 404 page."""
    message = f"There is no API address {request.path}. The schema at /api/v1/schema/ lists them."
    return JsonResponse(_body(404, "not_found", message), status=status.HTTP_404_NOT_FOUND)
