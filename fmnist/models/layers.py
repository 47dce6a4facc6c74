"""The project's own Keras layers, registered so that a saved model names them ``fmnist>...``.

Keras finds a registered class by that name when it loads a ``.keras`` file, so
``keras.models.load_model("models/cnn.keras")`` works in any process that has imported
``fmnist`` (:mod:`fmnist.keras_registration` imports this module once Keras is loaded). Files
saved before the registration name the classes without the package; :data:`LEGACY_NAMES` reads
those.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

PACKAGE = "fmnist"
register = keras.saving.register_keras_serializable(package=PACKAGE)


@register
class FusedBatchNormalization(layers.BatchNormalization):
    """Keras' ``BatchNormalization`` (same weights, momentum, epsilon, saved config), computed by
    TensorFlow's fused batch-norm kernel.

    Keras 3's own layer normalizes with separate float32 ops (casts, moments, scale, shift, and
    as many for the gradient): on the 2-core CPU that is over half of a ResNet training step
    (README "A stronger CNN"). TensorFlow's ``FusedBatchNormV3`` does each direction in one op
    and takes bf16 activations with float32 scale and offset. NHWC images only, no masks.
    """

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable):
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs,
                self.gamma,
                self.beta,
                mean=self.moving_mean,
                variance=self.moving_variance,
                epsilon=self.epsilon,
                is_training=False,
            )
            return outputs
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, self.gamma, self.beta, epsilon=self.epsilon, is_training=True
        )
        # the kernel returns the Bessel-corrected variance; Keras averages the biased one
        count = tf.cast(tf.size(inputs) // tf.shape(inputs)[-1], variance.dtype)
        variance = variance * (count - 1) / count
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1 - self.momentum)
        )
        return outputs


@register
class WithMirrors(layers.Layer):
    """n NHWC images -> 2n: the images, then the same images mirrored left to right."""

    def call(self, inputs):
        return keras.ops.concatenate([inputs, keras.ops.flip(inputs, axis=2)], axis=0)


@register
class MeanOfHalves(layers.Layer):
    """2n rows -> n: row i is the mean of rows i and n + i."""

    def call(self, inputs):
        first, second = keras.ops.split(inputs, 2, axis=0)
        return (first + second) / 2


# models saved before the classes were registered name them without the package
LEGACY_NAMES = {cls.__name__: cls for cls in (FusedBatchNormalization, WithMirrors, MeanOfHalves)}
