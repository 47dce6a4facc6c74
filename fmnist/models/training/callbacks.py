"""Keras callbacks of the CNN's training: the moving average swapped in for validation, and
dropout reseeded per epoch so that a resumed run draws what an uninterrupted one would."""

from __future__ import annotations

import keras
import numpy as np


class SwapInAverage(keras.callbacks.SwapEMAWeights):
    """Keras' ``SwapEMAWeights(swap_on_epoch=True)``: from each epoch's validation to the start
    of the next, the model holds the moving average of its weights (``cnn.ema_momentum``), so
    the best-validation weights kept, backed up and saved are the average's.

    ``resumed``: training continues from a backup, written while the average was swapped in.
    """

    def __init__(self, resumed: bool) -> None:
        super().__init__(swap_on_epoch=True)
        self._ema_weights_in_model = resumed


class EpochSeeds(keras.callbacks.Callback):
    """Reseeds every random layer (dropout) at each epoch from (seed, epoch, layer).

    The draws of epoch k then do not depend on the epochs run before it in this process, so a
    resumed run's dropout masks equal an uninterrupted run's.
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch, logs=None):
        generators = [
            layer.seed_generator
            for layer in self.model._flatten_layers()
            if isinstance(getattr(layer, "seed_generator", None), keras.random.SeedGenerator)
        ]
        for index, generator in enumerate(generators):
            (value,) = np.random.SeedSequence([self.seed, epoch, index]).generate_state(1)
            generator.state.assign(np.array([value, 0], dtype=generator.state.dtype))
