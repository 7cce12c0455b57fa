"""Who is calling: the principal behind each boto3 call made inside the offline cloud.

Under ``mock_aws`` every client carries moto's fake key, so the access key cannot tell callers apart
(``shared/moto-gaps.md``, "Hooking every AWS call"). The Lambda runtime therefore sets
:data:`current` around each handler invocation (a context variable, so it follows the handler into its
worker thread), and credentials handed out by ``sts:AssumeRole`` are remembered here so that a client
built with them acts as the assumed role, as on AWS.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from stack.cloud.access import Principal

#: The principal of the code running now; ``None`` for the grader and deploy code (the account owner).
current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)


@contextlib.contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Run a block as ``principal`` (``None``: as the unrestricted operator of the offline cloud)."""
    token = current.set(principal)
    try:
        yield
    finally:
        current.reset(token)


class CredentialBook:
    """Access key ids issued by ``sts:AssumeRole`` in this cloud, and the session each belongs to."""

    def __init__(self) -> None:
        self._by_key: dict[str, Principal] = {}

    def issue(self, access_key_id: str, principal: Principal) -> None:
        self._by_key[access_key_id] = principal

    def lookup(self, access_key_id: str | None) -> Principal | None:
        return self._by_key.get(access_key_id or "")
