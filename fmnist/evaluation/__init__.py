"""Scoring trained models on the test set, comparing them, and drawing the figures."""
