"""WAAPI error URIs the emulator answers with, and the exception that carries one to the wire."""

from __future__ import annotations

from typing import Any, Final

INVALID_ARGUMENTS: Final = "ak.wwise.invalid_arguments"
INVALID_OPTIONS: Final = "ak.wwise.invalid_options"
INVALID_PROPERTY: Final = "ak.wwise.invalid_property"
INVALID_REFERENCE: Final = "ak.wwise.invalid_reference"
INVALID_QUERY: Final = "ak.wwise.query.invalid_query"
UNKNOWN_OBJECT: Final = "ak.wwise.query.unknown_object"
INVALID_PROCEDURE: Final = "ak.wwise.invalid_procedure_uri"
SCHEMA_VALIDATION_FAILED: Final = "ak.wwise.schema_validation_failed"
LOCKED: Final = "ak.wwise.locked"
FILE_ERROR: Final = "ak.wwise.file_error"
UNEXPECTED_ERROR: Final = "ak.wwise.unexpected_error"
NO_SUCH_SUBSCRIPTION: Final = "wamp.error.no_such_subscription"
INVALID_TOPIC: Final = "ak.wwise.invalid_topic"
#: not a Wwise URI: a real Wwise function, topic option or accessor the emulator does not implement
NOT_EMULATED: Final = "ak.wwise.emulator.not_emulated"


class WaapiError(Exception):
    """A WAAPI error: ``uri`` plus the ``{message, details}`` kwargs of the WAMP ERROR message."""

    def __init__(self, uri: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.uri = uri
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


def invalid_arguments(message: str, **details: Any) -> WaapiError:
    """The most common error: ``ak.wwise.invalid_arguments`` with a sentence and details."""
    return WaapiError(INVALID_ARGUMENTS, message, details)


def schema_error(message: str, argument: str | None = None) -> WaapiError:
    """An argument that fails the function's JSON schema (unknown, missing or ill-typed)."""
    details: dict[str, Any] = {"typeUri": SCHEMA_VALIDATION_FAILED}
    if argument is not None:
        details["argumentName"] = argument
    return WaapiError(INVALID_ARGUMENTS, message, details)


def unknown_object(designator: Any) -> WaapiError:
    """An object argument that names nothing in the project (reference §4)."""
    return WaapiError(INVALID_ARGUMENTS, f"Object {designator} is unknown.", {"object": designator})


def not_emulated_accessor(accessor: str) -> WaapiError:
    """A real Wwise return accessor the emulator does not model (docs/emulator.md lists them)."""
    return WaapiError(NOT_EMULATED, f"Accessor '{accessor}' is a Wwise accessor the wwiseflowd emulator does "
                      "not model; leave it out of options.return (docs/emulator.md, 'Not modelled').",
                      {"accessor": accessor, "emulated": False})
