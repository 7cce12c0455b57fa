"""The runtime's access hook: :class:`PolicyAuthorizer` decides every AWS call with the evaluator.

For each request it gathers the policies AWS would consult (aws-facts, IAM policy evaluation): the
identity policies of the caller's role (a service principal has none), and the one resource-side
policy :func:`~stack.cloud.iam.evaluate.resource_side` names (key policy for KMS, trust policy for
``sts:AssumeRole``, else the queue or topic policy). Policies are parsed once per origin and reused
while the store's document is unchanged (compared with a private copy, so an edit in place or a
redeploy is seen).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from stack.cloud.access import AccessDecision, AccessRequest, PolicyStore, SourcedPolicy
from stack.cloud.iam.evaluate import PolicySet, evaluate, resource_side
from stack.cloud.iam.parse import Policy, PolicyKind, load_policy


class PolicyAuthorizer:
    """An :class:`~stack.cloud.access.Authorizer` backed by the policies of a :class:`PolicyStore`."""

    def __init__(self, store: PolicyStore) -> None:
        self.store = store
        self._parsed: dict[tuple[str, PolicyKind], tuple[Mapping[str, Any], Policy]] = {}

    def authorize(self, request: AccessRequest) -> AccessDecision:
        principal = request.principal
        role_arn = None if principal.is_service else principal.role_arn
        identity = [self._policy(p, "identity") for p in self.store.identity_policies(role_arn)] if role_arn else []
        return evaluate(request, PolicySet(identity, self._resource_policy(request)))

    def _resource_policy(self, request: AccessRequest) -> Policy | None:
        side = resource_side(request)
        if side == "key":
            sourced = self.store.key_policy(request.resource)
        elif side == "trust":
            sourced = self.store.trust_policy(request.resource)
        elif side == "resource":
            sourced = self.store.resource_policy(request.resource)
        else:
            return None
        return self._policy(sourced, side) if sourced is not None else None

    def _policy(self, sourced: SourcedPolicy, kind: PolicyKind) -> Policy:
        """The parsed policy, from cache while the document equals the one parsed."""
        cached = self._parsed.get((sourced.origin, kind))
        if cached is not None and cached[0] == sourced.document:
            return cached[1]
        policy = load_policy(sourced.document, sourced.origin, kind)
        self._parsed[(sourced.origin, kind)] = (copy.deepcopy(sourced.document), policy)
        return policy
