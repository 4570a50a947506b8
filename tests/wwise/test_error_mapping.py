"""WAMP error URIs (as Wwise and the emulator send them) map to wwiseflowd's error codes."""

from __future__ import annotations

import pytest

from wwiseflowd.default_plugins.wwise.errors import error_code
from wwiseflowd.results import ErrorCode


@pytest.mark.parametrize(
    ("uri", "kwargs", "code"),
    [
        ("ak.wwise.locked", {"message": "Wwise is locked"}, ErrorCode.WWISE_LOCKED),
        (
            "ak.wwise.invalid_arguments",
            {"message": "'parent' already has child with same name."},
            ErrorCode.NAME_CONFLICT,
        ),
        (
            "ak.wwise.invalid_arguments",
            {"message": "Object \\X is unknown.", "details": {"object": "\\X"}},
            ErrorCode.OBJECT_NOT_FOUND,
        ),
        (
            "ak.wwise.invalid_arguments",
            {
                "message": "Argument waql is unknown.",
                "details": {"typeUri": "ak.wwise.schema_validation_failed"},
            },
            ErrorCode.INVALID_INPUT,
        ),
        ("ak.wwise.invalid_arguments", {"message": "Invalid name 'a.b'"}, ErrorCode.INVALID_INPUT),
        ("ak.wwise.query.invalid_query", {"message": "Object not found (1)"}, ErrorCode.OBJECT_NOT_FOUND),
        ("ak.wwise.query.invalid_query", {"message": "Unexpected token 'selec'"}, ErrorCode.INVALID_INPUT),
        ("ak.wwise.query.unknown_object", {}, ErrorCode.OBJECT_NOT_FOUND),
        ("ak.wwise.invalid_property", {"message": "Property Volum"}, ErrorCode.INVALID_INPUT),
        (
            "ak.wwise.invalid_procedure_uri",
            {"message": "The procedure URI is unknown."},
            ErrorCode.WAAPI_ERROR,
        ),
        ("ak.wwise.unavailable", {}, ErrorCode.WAAPI_UNAVAILABLE),
        ("wamp.close.transport_lost", {}, ErrorCode.WAAPI_UNAVAILABLE),
        ("ak.wwise.unexpected_error", {"message": "boom"}, ErrorCode.WAAPI_ERROR),
        ("com.example.never.seen", {}, ErrorCode.WAAPI_ERROR),
    ],
)
def test_error_uri_maps_to_code(uri: str, kwargs: dict[str, object], code: ErrorCode) -> None:
    assert error_code(uri, kwargs) == code
