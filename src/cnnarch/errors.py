"""Errors a user can cause and fix. The CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class CnnarchError(Exception):
    """A problem with the user's request (a name, a size, a file), not a bug in cnnarch."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details
        """Printed above the one-line message, e.g. the frames of a user's own traceback."""

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UnknownModelError(CnnarchError):
    """A model name that is not in the catalogue."""


class InputSpecError(CnnarchError):
    """A malformed --input (or similar) value."""


class ShapeError(CnnarchError):
    """The network cannot run at the requested input size (a layer's output collapses, a
    dense layer gets the wrong number of features, a channel count disagrees)."""
