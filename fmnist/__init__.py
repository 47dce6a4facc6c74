"""The shared library of the Fashion-MNIST CNN-vs-SVM pipeline.

Layers import one way only, bottom to top; nothing here runs at import time:

- ``errors``, ``files``, ``cli``, ``provenance``: one-line errors, atomic outputs, run records
- ``data``: IDX parsing, dataset facts, downloading, splitting, split files
- ``params``: params.yaml as typed, validated dataclasses
- ``models``: the CNN (and its training), SVM features and pipeline
- ``evaluation``: metrics, statistics, timing, comparison, figures

The DVC stage scripts in ``stages/`` and the commands in ``commands/`` are thin users of it.
"""
