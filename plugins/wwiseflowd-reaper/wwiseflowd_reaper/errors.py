"""One exception for every REAPER-side failure, turned into a Result at the bus."""

from __future__ import annotations

from wwiseflowd.results import ErrorCode, Result


class ReaperFailure(Exception):
    """A step could not go on: ``code`` and a sentence naming the file/region and what to do."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def result(self) -> Result:
        """The failed :class:`Result`."""
        return Result.failure(self.code, self.message)
