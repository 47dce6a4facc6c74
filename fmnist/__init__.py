"""The shared library of the Fashion-MNIST CNN-vs-SVM pipeline.

Layers import one way only, bottom to top; importing does one thing only, below:

- ``errors``, ``files``, ``stage_runner``, ``provenance``: one-line errors, atomic outputs,
  every entry point's runner, run records
- ``dvc_adapter``: the one way DVC is run (with a time limit) and files read at a revision
- ``code_deps``: each stage's code deps, from its imports
- ``data``: IDX parsing, dataset facts, downloading, splitting, split files
- ``params``: params.yaml as typed, validated dataclasses
- ``models``: the CNN (its layers, its training), SVM features and pipeline, model files
- ``evaluation``, ``report``, ``search``, ``inference``: metrics and the gate, the study
  report, the hyperparameter search, people's pictures classified
- ``console``: the ``fmnist`` command, a sub-command a module
- ``testing``: real servers and picture families for the tests and benchmarks (no stage)

The DVC stage scripts in ``stages/`` and the upkeep commands in ``commands/`` use it too.
"""

from fmnist.keras_registration import register_keras_layers

# the one thing done at import: the project's Keras layers become loadable by name as soon as
# Keras is loaded (fmnist.keras_registration; it does not import Keras)
register_keras_layers()
