"""Training the CNN with the params' recipe, resumable after an interruption.

- :mod:`~fmnist.models.training.inputs`: the tf.data pipelines (seeded, augmented, resumable);
- :mod:`~fmnist.models.training.callbacks`: the moving average and the per-epoch dropout seeds;
- :mod:`~fmnist.models.training.fingerprint`: what a saved state must match to be resumed;
- :mod:`~fmnist.models.training.fit`: ``model.fit`` and the run's summary.
"""

from fmnist.models.training.callbacks import EpochSeeds, SwapInAverage
from fmnist.models.training.fingerprint import training_fingerprint
from fmnist.models.training.fit import seed_everything, train_cnn
from fmnist.models.training.inputs import (
    STEPS_PER_EXECUTION,
    batches_per_pass,
    eval_dataset,
    steps_per_epoch,
    training_dataset,
)

__all__ = [
    "STEPS_PER_EXECUTION",
    "EpochSeeds",
    "SwapInAverage",
    "batches_per_pass",
    "eval_dataset",
    "seed_everything",
    "steps_per_epoch",
    "train_cnn",
    "training_dataset",
    "training_fingerprint",
]
