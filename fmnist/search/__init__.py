"""``fmnist search``: an Optuna study whose trials are DVC experiments, on one machine or many.

- :mod:`~fmnist.search.space`: the search spaces of params.yaml and the metric;
- :mod:`~fmnist.search.storage`: the study's database and sampler;
- :mod:`~fmnist.search.objective`: one trial, a ``dvc exp run`` with a time limit;
- :mod:`~fmnist.search.worker`: the loop that runs trials until the study has enough.
"""
