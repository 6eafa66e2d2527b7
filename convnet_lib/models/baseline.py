"""A small plain CNN: the Fashion-MNIST baseline every chapter compares against.

Stages of 3x3 conv-BN-ReLU units with 2x2 max pooling between them, global average pooling
and a Dense classifier: no branches, no shortcuts, nothing that later chapters teach.
"""

import keras
from keras import layers

from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models._registry import register_model
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape


@register_model("baseline_cnn")
def baseline_cnn(
    include_top=True,
    input_shape=(28, 28, 1),
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    widths=(32, 64, 128),
    convs_per_stage=1,
    dropout_rate=0.3,
):
    """A plain VGG-style CNN for 28x28 Fashion-MNIST images.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications.
        widths: filters of each stage; every stage but the last ends in 2x2 max pooling.
        convs_per_stage: 3x3 conv-BN-ReLU units per stage.
        dropout_rate: dropout before the classifier.
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    widths = check_int_sequence(widths, "widths", minimum=1)
    if not widths:
        raise ValueError(f"`widths` must name at least one stage. Received: widths={widths!r}")
    check_int(convs_per_stage, "convs_per_stage", minimum=1)
    min_size = 2 ** (len(widths) - 1)
    input_shape = validate_input_shape(
        input_shape, default_size=28, min_size=min_size, model_name="baseline_cnn"
    )
    inputs = model_input(input_shape)
    x = inputs
    for stage, filters in enumerate(widths, start=1):
        for unit in range(1, convs_per_stage + 1):
            x = conv_bn(x, filters, 3, name=f"stage{stage}_unit{unit}")
        if stage < len(widths):
            x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation, dropout_rate=dropout_rate
    )
    return keras.Model(inputs, outputs, name="baseline_cnn")
