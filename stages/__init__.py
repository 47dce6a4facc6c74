"""DVC stage entry points, one module per ``dvc.yaml`` stage, named like it.

Each is thin: parse arguments, load inputs, call the ``fmnist`` library, save outputs.
"""
