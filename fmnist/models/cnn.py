"""The CNN (``cnn.arch``: the study's LeNet-style model or a small ResNet) and its optimizer."""

from __future__ import annotations

import keras
from keras import layers

from fmnist.models.layers import FusedBatchNormalization, MeanOfHalves, WithMirrors
from fmnist.params import CnnParams
from fmnist.pictures.pixels import IMAGE_SHAPE


def layer_filters(params: CnnParams) -> list[int]:
    """Filters per conv layer: ``cnn.filters`` as listed, or doubled per layer from one number."""
    if isinstance(params.filters, list):
        return list(params.filters)
    return [params.filters * 2**i for i in range(params.conv_layers)]


def build_cnn(params: CnnParams, classes: int, precision: str = "float32") -> keras.Model:
    """The ``cnn.arch`` model for ``classes`` classes: :func:`build_lenet` or :func:`build_resnet`."""
    return (build_resnet if params.arch == "resnet" else build_lenet)(params, classes, precision)


def build_lenet(params: CnnParams, classes: int, precision: str = "float32") -> keras.Model:
    """Per layer conv(f_i, k x k, relu) -> maxpool 2; flatten -> dense -> dropout -> softmax.

    With the defaults (2 layers, 32/64 filters, 3x3, dense 128, dropout 0.2) this is the study's
    model: 225,034 trainable parameters for 10 classes (the softmax has one unit per class).
    ``precision`` is a Keras dtype policy for every layer ("float32" or "mixed_bfloat16"); the
    softmax always computes in float32, so the outputs and the loss stay float32.
    """
    inputs = keras.Input(shape=(*IMAGE_SHAPE, 1), name="image")
    x = inputs
    for i, filters in enumerate(layer_filters(params), start=1):
        x = layers.Conv2D(
            filters, params.kernel_size, activation="relu", name=f"conv{i}", dtype=precision
        )(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}", dtype=precision)(x)
    x = layers.Flatten(name="flatten", dtype=precision)(x)
    x = layers.Dense(params.dense_units, activation="relu", name="dense", dtype=precision)(x)
    x = layers.Dropout(params.dropout, name="dropout", dtype=precision)(x)
    outputs = layers.Dense(classes, activation="softmax", name="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{params.conv_layers}conv")


BatchNorm = type[layers.BatchNormalization]


def _basic_block(
    x: keras.KerasTensor, filters: int, stride: int, name: str, dtype: str, batch_norm: BatchNorm
):
    """conv3x3 -> BN -> relu -> conv3x3 -> BN, plus the input (1x1 conv + BN when it changes)."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, strides=stride, use_bias=False, name=f"{name}_proj", dtype=dtype
        )(x)
        shortcut = batch_norm(name=f"{name}_proj_bn", dtype=dtype)(shortcut)
    y = layers.Conv2D(
        filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1", dtype=dtype
    )(x)
    y = batch_norm(name=f"{name}_bn1", dtype=dtype)(y)
    y = layers.Activation("relu", name=f"{name}_relu1", dtype=dtype)(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2", dtype=dtype)(
        y
    )
    y = batch_norm(name=f"{name}_bn2", dtype=dtype)(y)
    y = layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out", dtype=dtype)(y)


def build_resnet(
    params: CnnParams,
    classes: int,
    precision: str = "float32",
    batch_norm: BatchNorm = FusedBatchNormalization,
) -> keras.Model:
    """A small ResNet (basic blocks, batch norm) for 28x28 images, trained from scratch.

    Stem: conv3x3(``resnet_width``) -> BN -> relu at 28x28. Stage ``i`` (one per entry of
    ``resnet_blocks``) has that many basic blocks of ``resnet_width * 2**i`` filters; from the
    second stage on its first block halves the side with stride 2 (28 -> 14 -> 7). Then global
    average pooling -> dropout -> softmax (float32, like the LeNet's). ``batch_norm``: the
    layer class (Keras' own ``layers.BatchNormalization`` computes the same, slower).
    """
    inputs = keras.Input(shape=(*IMAGE_SHAPE, 1), name="image")
    x = layers.Conv2D(
        params.resnet_width, 3, padding="same", use_bias=False, name="stem", dtype=precision
    )(inputs)
    x = batch_norm(name="stem_bn", dtype=precision)(x)
    x = layers.Activation("relu", name="stem_relu", dtype=precision)(x)
    for stage, blocks in enumerate(params.resnet_blocks):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            name = f"stage{stage + 1}_block{block + 1}"
            width = params.resnet_width * 2**stage
            x = _basic_block(x, width, stride, name, precision, batch_norm)
    x = layers.GlobalAveragePooling2D(name="pool", dtype=precision)(x)
    x = layers.Dropout(params.dropout, name="dropout", dtype=precision)(x)
    outputs = layers.Dense(classes, activation="softmax", name="softmax", dtype="float32")(x)
    depth = 2 + 2 * sum(params.resnet_blocks)  # conv layers + the dense one
    return keras.Model(inputs, outputs, name=f"resnet{depth}_w{params.resnet_width}")


def with_flip_average(model: keras.Model) -> keras.Model:
    """``model`` predicting the mean of its softmax on each image and on its mirror image.

    One pass of ``model`` over the images and their mirrors together (a single image costs
    one call on a batch of two). The returned model shares ``model``'s layers and weights (the
    same parameter count). Its layers are registered Keras serializables: after ``import fmnist``,
    ``keras.models.load_model`` reads a saved one.
    """
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    both = WithMirrors(name="with_mirrors")(inputs)
    outputs = MeanOfHalves(name="flip_average", dtype="float32")(model(both))
    return keras.Model(inputs, outputs, name=f"{model.name}_flip_average")


def learning_rate_schedule(
    params: CnnParams, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """``cnn.learning_rate`` as ``cnn.lr_schedule`` and ``cnn.warmup_epochs`` shape it."""
    total = params.epochs * steps_per_epoch
    if params.lr_schedule == "constant":
        return params.learning_rate
    if not params.warmup_epochs:  # cosine from the rate down to 0 at the last step
        return keras.optimizers.schedules.CosineDecay(params.learning_rate, decay_steps=total)
    # a linear warm-up from 0 to the rate, then cosine decay to 0 at the last step
    warmup_steps = round(params.warmup_epochs * steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=total - warmup_steps,
        warmup_target=params.learning_rate,
        warmup_steps=warmup_steps,
    )


def make_optimizer(params: CnnParams, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    learning_rate = learning_rate_schedule(params, steps_per_epoch)
    # decoupled (AdamW-style) weight decay: each step, kernel -= learning rate * decay * kernel;
    # batch-norm scales and offsets and the biases are left alone. None: off, as before.
    options = {
        "learning_rate": learning_rate,
        "weight_decay": params.weight_decay or None,
        # the moving average of the weights (cnn.ema_momentum; 0: off)
        "use_ema": bool(params.ema_momentum),
        "ema_momentum": params.ema_momentum or 0.99,
    }
    optimizer = {
        "adam": lambda: keras.optimizers.Adam(**options),
        "sgd": lambda: keras.optimizers.SGD(momentum=0.9, **options),
        "rmsprop": lambda: keras.optimizers.RMSprop(**options),
    }[params.optimizer]()
    if params.weight_decay:
        optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    return optimizer
