"""Networking made impossible for the test run: cnnarch must never download anything.

In this process every connection to another host fails at once (loopback and Unix sockets still
work, for tools that talk to a local helper process); child processes inherit proxy settings that
point nowhere and an empty torch hub directory of their own, so a download attempt there fails too.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}


class NetworkDisabled(OSError):
    pass


def _local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    return isinstance(address, tuple) and address[0] in LOCAL


@contextmanager
def network_disabled(hub_dir: str | None = None) -> Iterator[None]:
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _local(address):
            raise NetworkDisabled(f"network access is disabled in cnnarch's tests: connect to {address!r}")
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if not _local(address):
            raise NetworkDisabled(f"network access is disabled in cnnarch's tests: connect to {address!r}")
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOCAL:
            raise NetworkDisabled(f"network access is disabled in cnnarch's tests: look up {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    saved = {
        k: os.environ.get(k) for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "TORCH_HOME")
    }
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ[key] = "http://127.0.0.1:9"  # the discard port: nothing listens
    if hub_dir is not None:
        os.environ["TORCH_HOME"] = hub_dir
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
