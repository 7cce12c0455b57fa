"""Session 1, permissions and encryption: the checks, in the order of the lab's exercises.

Exercises 1a to 1e judge each file by evaluating concrete requests with the policy engine (no
deployment, milliseconds each); the end-to-end exercise deploys the learner's whole system once per
run (:mod:`checks.session1.e2e`) and shares the summary between its checks; a run from the command
line starts that deployment in a forked child while the static checks run (:mod:`checks.background`).
"""

from checks.session1 import cost, crossaccount, e2e, encryption, resources, roles

CHECKS = [*roles.CHECKS, *resources.CHECKS, *crossaccount.CHECKS, *encryption.CHECKS, *cost.CHECKS, *e2e.CHECKS]

BACKGROUND = {e2e.RUN_KEY: e2e.compute_run}
