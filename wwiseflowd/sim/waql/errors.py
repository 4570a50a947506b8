"""The two errors a WAQL query can raise; object.get turns both into ``ak.wwise.query.invalid_query``."""

from __future__ import annotations


class WaqlError(Exception):
    """The query text is not WAQL the emulator understands.

    ``message`` names the offending token and its 1-based character position in the query text;
    ``position`` repeats that position for callers that want it as a number (``None`` when the
    problem has no single place, e.g. an empty query).
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class ObjectNotFoundError(WaqlError):
    """An object specifier (``"\\path"``, ``"{GUID}"``, ``"Type:Name"``) names no object.

    The message is exactly Wwise's ``Object not found (N)``, N being the 1-based position of the
    specifier's opening quote in the query text.
    """

    def __init__(self, specifier: str, position: int) -> None:
        super().__init__(f"Object not found ({position})", position)
        self.specifier = specifier
