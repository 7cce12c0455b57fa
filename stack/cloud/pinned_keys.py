"""The customer managed key's pinned id: the one place that makes the lab files' key ARN real.

AWS picks key ids and the API cannot be told one. The lab files name the key by a fixed id (the
template's ``Metadata: OfflineKeyId``, :data:`checks.session1.system.KEY_ID`) in IAM policy resources,
key policies and ``KmsMasterKeyId`` settings, and runs must be repeatable, so:

- :class:`MotoPinnedKeys` (moto in process) makes moto draw the pinned id itself: the key *is* the
  pinned ARN;
- :class:`MappedPinnedKeys` (a moto server over HTTP, whose ids cannot be chosen) creates the key
  normally and maps between the two names: everything the runtime decides (the policy engine, the KMS
  meter, the journal) sees the pinned ARN, as in process, and every call that names a key to the
  server (``CreateAlias``, ``EnableKeyRotation``, ``DescribeKey``) is given the server's id.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol
from unittest import mock


class PinnedKeys(Protocol):
    def create(self, kms: Any, arguments: dict[str, Any], pinned_id: str | None) -> dict[str, Any]:
        """``kms.create_key(**arguments)``'s ``KeyMetadata``, with ``KeyId`` and ``Arn`` as the lab names them."""

    def on_server(self, ref: str) -> str:
        """A key reference (id, ARN, alias, alias ARN) as the account's KMS knows it."""

    def as_named(self, arn: str) -> str:
        """A key ARN the account's KMS returned, as the lab's files name it."""


class MotoPinnedKeys:
    """moto in this process: its key id generator returns the pinned id while the key is created."""

    def create(self, kms: Any, arguments: dict[str, Any], pinned_id: str | None) -> dict[str, Any]:
        pinned = mock.patch("moto.kms.models.generate_key_id", lambda multi_region=False: pinned_id)
        with pinned if pinned_id else contextlib.nullcontext():
            return dict(kms.create_key(**arguments)["KeyMetadata"])

    def on_server(self, ref: str) -> str:
        return ref

    def as_named(self, arn: str) -> str:
        return arn


class MappedPinnedKeys:
    """A server that picks its own key ids: the pinned id and ARN are names this side maps."""

    def __init__(self) -> None:
        self._server_by_pinned: dict[str, str] = {}  # pinned id and pinned ARN -> server key id
        self._pinned_by_server_arn: dict[str, str] = {}

    def create(self, kms: Any, arguments: dict[str, Any], pinned_id: str | None) -> dict[str, Any]:
        meta = dict(kms.create_key(**arguments)["KeyMetadata"])
        if not pinned_id:
            return meta
        pinned_arn = f"{meta['Arn'].rsplit('/', 1)[0]}/{pinned_id}"
        self._server_by_pinned |= {pinned_id: meta["KeyId"], pinned_arn: meta["KeyId"]}
        self._pinned_by_server_arn[meta["Arn"]] = pinned_arn
        return meta | {"KeyId": pinned_id, "Arn": pinned_arn}

    def on_server(self, ref: str) -> str:
        return self._server_by_pinned.get(ref, ref)

    def as_named(self, arn: str) -> str:
        return self._pinned_by_server_arn.get(arn, arn)
