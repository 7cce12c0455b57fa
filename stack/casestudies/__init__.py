"""Session 3 material that runs: the handler sandbox and the three generated incidents.

- :mod:`stack.casestudies.sandbox`: one small offline account to run handlers event by event (the
  3a/3b/3c grading and the incidents use it);
- :mod:`stack.casestudies.incidents`: the three incidents, generated deterministically into moto's
  CloudWatch Logs and metrics, with their ground truth.
"""
