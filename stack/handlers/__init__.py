"""Reference Lambda code of the five ticketing functions (one module per function).

The modules are Lambda handler files, not submodules of this package: at run time their folder is
the code root (``/var/task`` on AWS, the archive ``handlers.zip``), so they import each other's
shared helpers as the top-level module ``ticketing_common``. This file only makes setuptools ship
the folder with the distribution.
"""
