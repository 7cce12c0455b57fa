"""Wires the grader plugin for a clone of the repository (the installed package uses the entry point).

- ``checks.plugin``: the plugin name equals its module path, so when the entry point has already
  registered it this is a no-op, never a double registration.
- ``pytester``: the grader's self-tests (``tests/checks``) drive whole pytest runs. pytest accepts
  ``pytest_plugins`` only in a conftest loaded before collection, and a bare ``pytest`` (testpaths
  ``tests``) loads ``tests/checks/conftest.py`` too late, so it is enabled here. In a lab run it is
  inert: it only adds the ``--lsof``/``--runpytest`` options and a marker.
"""

pytest_plugins = ["checks.plugin", "pytester"]
