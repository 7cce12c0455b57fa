"""A pytest plugin for child runs: refuse and record every non-loopback connection or name lookup.

Loaded with ``-p tests.hardening.socket_guard`` on the child's command line (no ``sitecustomize``);
attempts are appended, one JSON line each, to the file named by ``TOURLAB_SOCKET_LOG``. Installed at
import, before the lab's checks, moto or boto3 run.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from stack.cloud.network_guard import is_loopback

_LOG = os.environ.get("TOURLAB_SOCKET_LOG", os.devnull)


def _record(kind: str, target: Any) -> None:
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps({"kind": kind, "target": repr(target)}) + "\n")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _host(address: Any) -> Any:
    return "localhost" if isinstance(address, (str, bytes)) else (address[0] if isinstance(address, tuple) else address)


def connect(self: socket.socket, address: Any) -> Any:
    if not is_loopback(_host(address)):
        _record("connect", address)
        raise ConnectionRefusedError(f"socket guard: no network in offline runs ({address!r})")
    return _connect(self, address)


def connect_ex(self: socket.socket, address: Any) -> Any:
    if not is_loopback(_host(address)):
        _record("connect_ex", address)
        raise ConnectionRefusedError(f"socket guard: no network in offline runs ({address!r})")
    return _connect_ex(self, address)


def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host):
        _record("getaddrinfo", host)
        raise socket.gaierror(f"socket guard: no name lookups in offline runs ({host!r})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect  # type: ignore[method-assign]
socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = getaddrinfo
