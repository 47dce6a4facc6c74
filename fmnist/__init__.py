"""The shared library of the Fashion-MNIST CNN-vs-SVM pipeline.

Layers import one way only, bottom to top; nothing here runs at import time:

- ``errors``, ``files``, ``cli``, ``provenance``: one-line errors, atomic outputs, run records
- ``data``: IDX parsing, dataset facts, downloading, splitting, split files
- ``params``: params.yaml as typed, validated dataclasses
- ``models``: the CNN (and its training), SVM features and pipeline
- ``evaluation``: metrics, statistics, timing, comparison, figures

The DVC stage scripts in ``stages/`` and the commands in ``commands/`` are thin users of it.
"""

from fmnist.keras_registration import register_keras_layers

# the one thing done at import: the project's Keras layers become loadable by name as soon as
# Keras is loaded (fmnist.keras_registration; it does not import Keras)
register_keras_layers()
