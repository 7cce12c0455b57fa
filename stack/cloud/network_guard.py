"""No network for learner code: while a handler loads or runs, sockets may reach loopback only.

An offline run never needs the network: moto answers boto3 inside the process. A handler that calls
``urllib.request.urlopen("https://...")`` (or ``requests``, or a raw socket) would wait on DNS and a
connect timeout on a grading machine without internet, and would reach the real internet from a
learner's laptop. While :func:`guarded` is active (the Lambda runtime enters it around importing and
invoking learner code, :mod:`stack.cloud.lambda_runtime`) such a call fails at once with
:class:`NetworkBlocked`, whose message ends up in the function's log like any unhandled error.

What is refused: ``socket.connect``/``connect_ex``/``sendto`` to an address that is not loopback
(IPv4 127/8, IPv6 ``::1``; Unix sockets are local and allowed), and name lookups
(``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``) of anything but ``localhost`` or a loopback
literal. ``socket.create_connection`` and everything built on it (``http.client``, ``urllib``,
``requests``, ``ssl``) go through these.

How: :func:`install` replaces those functions once per process with wrappers that consult a flag and
call straight through when it is off. The flag is a context variable, so the worker thread of
:func:`stack.cloud.deadline.call_with_deadline` (which carries the caller's context) is covered, even
when it is abandoned after a timeout and keeps running, or'ed with a count of open guarded scopes, so a
thread the handler starts itself (which begins with an empty context) is covered while the handler
runs. Not covered: C extensions that open sockets without Python's ``socket`` module.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("tourlab_network_guard", default=False)
_state = {"open": 0, "installed": False}
_lock = threading.Lock()

_ADDRESS_METHODS = ("connect", "connect_ex")
_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")


class NetworkBlocked(ConnectionRefusedError):
    """A learner's handler tried to reach the network in an offline run.

    A ``ConnectionRefusedError`` (an ``OSError``), so code that handles connection failures handles
    this one too, exactly as it would a refused connection.
    """

    def __init__(self, what: str) -> None:
        super().__init__(
            f"network access is blocked in the offline lab: {what}. Handlers run offline: AWS calls made "
            "with boto3 reach the offline cloud without any network; nothing else is reachable"
        )


def active() -> bool:
    return _ACTIVE.get() or _state["open"] > 0


def is_loopback(host: Any) -> bool:
    """True for ``localhost``, a loopback IP literal, or a local (Unix) socket address."""
    if host is None:
        return True  # getaddrinfo(None, port): the local host's own addresses
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")
    host = str(host).strip().rstrip(".").lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0].strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of(address: Any) -> Any:
    if isinstance(address, (str, bytes)):  # AF_UNIX path: local by definition
        return "localhost"
    if isinstance(address, tuple) and address:
        return address[0]
    return address


def _guard_method(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any, *args: Any) -> Any:
        if active() and self.family != getattr(socket, "AF_UNIX", object()) and not is_loopback(_host_of(address)):
            raise NetworkBlocked(f"{name} to {address!r} refused")
        return original(self, address, *args)

    guarded.__name__ = guarded.__qualname__ = name
    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


def _guard_sendto(original: Callable[..., Any]) -> Callable[..., Any]:
    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        address = args[-1] if args else None
        if active() and self.family != getattr(socket, "AF_UNIX", object()) and not is_loopback(_host_of(address)):
            raise NetworkBlocked(f"sendto {address!r} refused")
        return original(self, data, *args)

    sendto.__wrapped__ = original  # type: ignore[attr-defined]
    return sendto


def _guard_lookup(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if active() and not is_loopback(host):
            raise NetworkBlocked(f"name lookup of {host!r} refused")
        return original(host, *args, **kwargs)

    lookup.__name__ = lookup.__qualname__ = name
    lookup.__wrapped__ = original  # type: ignore[attr-defined]
    return lookup


def install() -> None:
    """Wrap the socket functions (once per process; the wrappers are inert outside :func:`guarded`)."""
    with _lock:
        if _state["installed"]:
            return
        for name in _ADDRESS_METHODS:
            setattr(socket.socket, name, _guard_method(name, getattr(socket.socket, name)))
        socket.socket.sendto = _guard_sendto(socket.socket.sendto)  # type: ignore[method-assign]
        for name in _LOOKUPS:
            setattr(socket, name, _guard_lookup(name, getattr(socket, name)))
        _state["installed"] = True


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Refuse non-loopback network access in this context (and process-wide while it is open)."""
    install()
    token = _ACTIVE.set(True)
    with _lock:
        _state["open"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["open"] -= 1
        _ACTIVE.reset(token)
