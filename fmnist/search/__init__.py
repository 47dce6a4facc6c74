"""``fmnist search``: an Optuna study whose trials are DVC experiments (see :mod:`.study`)."""
