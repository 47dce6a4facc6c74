"""Stages of the Fashion-MNIST CNN-vs-SVM DVC pipeline: one module per dvc.yaml stage."""
