"""The two models compared: the study's CNN (and how it is trained) and the SVM pipeline."""
