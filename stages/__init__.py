"""DVC stage entry points, one module per ``dvc.yaml`` stage, named like it.

Each is thin: parse arguments, load inputs, call the ``fmnist`` library, save outputs.

The one thing done at import, before any stage imports a package of the venv: a stage started
by a Python without the project's packages (``.venv/bin/dvc repro`` with the venv not activated
runs the ``python`` of PATH) stops with one line that says how to fix it, instead of a
traceback from a later import (the ``dvclive/`` output folder then even poses as the package).
"""

from fmnist.stage_runner import require_project_python

require_project_python()
