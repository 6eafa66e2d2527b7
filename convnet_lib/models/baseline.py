"""A small plain CNN: the Fashion-MNIST baseline every chapter compares against.

Stages of 3x3 conv-BN-ReLU units with 2x2 max pooling between them, global average pooling
and a Dense classifier: no branches, no shortcuts, nothing that later chapters teach.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import register_family


@dataclasses.dataclass(frozen=True, kw_only=True)
class BaselineConfig(ModelRow):
    """One row of BASELINE_CONFIGS.

    widths: filters of each stage; every stage but the last ends in 2x2 max pooling.
    convs_per_stage: 3x3 conv-BN-ReLU units per stage.
    dropout_rate: dropout before the classifier.
    """

    widths: tuple
    convs_per_stage: int = 1
    dropout_rate: float = 0.3

    def __post_init__(self):
        widths = check_int_sequence(self.widths, "widths", minimum=1)
        if not widths:
            raise ValueError(
                f"`widths` must name at least one stage. Received: widths={self.widths!r}"
            )
        object.__setattr__(self, "widths", widths)
        check_int(self.convs_per_stage, "convs_per_stage", minimum=1)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


BASELINE_CONFIGS = {
    # 28x28 Fashion-MNIST images: 28 -> 14 -> 7 pixels over three stages.
    "baseline_cnn": BaselineConfig(
        widths=(32, 64, 128), input_size=28, input_channels=1, classes=10
    ),
}


def min_input_size(config):
    """One pixel left after the 2x2 pooling between stages."""
    return 2 ** (len(config.widths) - 1)


def build_baseline(config, name, include_top, input_shape, pooling, classes,
                   classifier_activation):
    """A plain VGG-style CNN for small grey images such as 28x28 Fashion-MNIST.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    x = inputs
    for stage, filters in enumerate(config.widths, start=1):
        for unit in range(1, config.convs_per_stage + 1):
            x = conv_bn(x, filters, 3, name=f"stage{stage}_unit{unit}")
        if stage < len(config.widths):
            x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation,
        dropout_rate=config.dropout_rate,
    )
    return keras.Model(inputs, outputs, name=name)


register_family(BASELINE_CONFIGS, build_baseline, min_input_size)
