"""How the command line ends: a usage mistake or a user error is one line on stderr with exit code
2, a bug exit code 1, and output cut short behaves as in well-behaved Unix tools.

``cnnarch summary x | head -1``: the reader closed the pipe; like ``cat``, cnnarch then stops at
once without a message (the default SIGPIPE action: exit status 141 in the shell). Output to a
closed stdout (``>&-``) or a full device (``> /dev/full``) is a problem with the request: one line.
"""

from __future__ import annotations

import errno
import os
import signal
import sys

import click

OUTPUT_ERRNOS = (errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT)


def die_quietly_on_broken_pipe() -> None:
    """Restore the default SIGPIPE action (Python ignores it and raises BrokenPipeError late)."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def stdout_closed() -> bool:
    if sys.stdout is None:
        return True
    try:
        os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return not hasattr(sys.stdout, "getvalue")  # an in-memory stream (tests) is fine
    return False


def flush_stdout() -> None:
    """Write out what is buffered now, so a full or closed stdout is reported while we can."""
    if sys.stdout is not None:
        sys.stdout.flush()


def output_failure(error: OSError) -> str | None:
    """The one-line message for a failed write to stdout, or None for another OSError."""
    if error.errno not in OUTPUT_ERRNOS:
        return None
    reason = os.strerror(error.errno) if error.errno else str(error)
    return f"cannot write the output: {reason}"


def silence_stdout() -> None:
    """After a failed write, drop what is still buffered so the exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        sys.stdout = None  # type: ignore[assignment]


def usage_line(error: click.UsageError) -> str:
    """A malformed command line as one line: what was wrong and where to read more."""
    command = error.ctx.command_path if error.ctx is not None else "cnnarch"
    return f"{error.format_message()} (see '{command} --help')"
