"""The policy engine (issue 5): AWS policy evaluation that moto does not do (``shared/moto-gaps.md``).

One concept per module: :mod:`.arn` (ARNs and ARN patterns), :mod:`.actions` (the action
vocabulary), :mod:`.parse` (loading and validating policies), :mod:`.conditions` (Condition
operators and keys), :mod:`.evaluate` (the decision, every exit labelled), :mod:`.reach` (what
identity policies allow over a universe), :mod:`.findings` + ``findings.yaml`` (finding catalogue),
:mod:`.enforce` (the runtime's Authorizer) and :mod:`.explain` (the ``explain-access`` command).
"""
