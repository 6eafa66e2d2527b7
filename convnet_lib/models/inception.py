"""The Inception family, built from one small table language: GoogLeNet, BN-Inception,
Inception-v4, Inception-ResNet-v2, SE-Inception-v3 and a small Inception-ResNet.

References:
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (Szegedy, Ioffe, Vanhoucke and Alemi, AAAI 2017)
- [Rethinking the Inception Architecture for Computer Vision](
  https://arxiv.org/abs/1512.00567) (Inception-v3; Szegedy et al., CVPR 2016)
- [Squeeze-and-Excitation Networks](https://arxiv.org/abs/1709.01507) (Hu et al., CVPR
  2018; SE-Inception-v3 in its Figure 2)
- [Going Deeper with Convolutions](https://arxiv.org/abs/1409.4842) (GoogLeNet; Szegedy et
  al., CVPR 2015, Table 1)
- [Batch Normalization](https://arxiv.org/abs/1502.03167) (BN-Inception; Ioffe and
  Szegedy, ICML 2015, Figure 5)

The modules are written as data, in the table language of
`convnet_lib.models.inception_tables` (`MODULES`, `STEMS`).

`inception_module(x, MODULES["inception_a"], name)` then builds one module. A whole network
is one row of `INCEPTION_CONFIGS` (a frozen `InceptionConfig`): a stem, modules applied
once, stages of repeated blocks (plain modules, or Inception-ResNet blocks when the row has
`residual_scales`), and an SE switch. Inception-v4 has the layer configuration of the
public ports (timm `inception_v4`, Cadene `pretrainedmodels`: BatchNormalization with scale,
no conv bias); Inception-ResNet-v2 and SE-Inception-v3 without SE are layer for layer
keras.applications' InceptionResNetV2 and InceptionV3 (BatchNormalization without scale, as
in TF-slim), so their weights transfer; the mini scales Inception-ResNet-v2 down for 32x32
grey images.

GoogLeNet and BN-Inception are the two Bianco et al. 2018 (arXiv 1810.00736) measured:
the BVLC Caffe GoogLeNet as ported in their repository (CeLuigi/models-comparison.pytorch
`googlenet.py`: convolutions with bias, no BatchNormalization, `batch_norm=False` here) and
Cadene's `bninception` (BatchNormalization after convolutions that keep their bias,
`conv_bias=True`). Their trainable parameters and convolution multiply-adds equal the
references'. Three layers differ in form, none in the counts: GoogLeNet's two local
response normalizations (no parameters, no multiply-adds) are left out, "same" padding
of the strided 7x7 stem puts 2 pixels before and 3 after where Caffe pads 3 on each side,
and BN-Inception's average pooling leaves its zero padding out of the mean (Cadene's
counts it). So the outputs differ from the references' for the same weights.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import register_family
from convnet_lib.models.common import se_model_name
from convnet_lib.models.inception_tables import MODULES
from convnet_lib.models.inception_tables import RESIDUAL_SCALES
from convnet_lib.models.inception_tables import STEMS
from convnet_lib.models.se import se_block

@dataclasses.dataclass(frozen=True, kw_only=True)
class InceptionConfig(ModelRow):
    """One row of INCEPTION_CONFIGS: a network as a sequence of `MODULES` tables.

    stem: a key of `STEMS`, the branch applied to the input (its layers named "stem_...").
    stem_modules: keys of `MODULES` applied once each after the stem, named by their key.
    stages: (block, reduction) pairs: `repeats[i]` copies of MODULES[block], then the
        module MODULES[reduction] once (None: no reduction).
    repeats: blocks in each stage.
    residual_scales: None: the blocks are plain Inception modules, named `{block}{i}`.
        Otherwise one scale per stage and the blocks are Inception-ResNet blocks named
        `{block}_{i}`; the last block of the network is linear with scale 1.
    width: multiplier of the filters of every module's convs (not the stem's).
    bn_scale: whether BatchNormalization learns a scale (gamma); keras.applications'
        InceptionV3 and InceptionResNetV2 do not.
    batch_norm: False makes every conv step a convolution with bias and ReLU, without
        BatchNormalization (GoogLeNet).
    conv_bias: a bias on the convolutions that feed BatchNormalization (BN-Inception).
    bn_epsilon: epsilon of every BatchNormalization.
    top_filters: filters of a 1x1 conv-BN-ReLU ("conv_7b") before the head, or None.
    use_se: an SE block after every module applied once and every plain block, and on the
        residual branch of every Inception-ResNet block (named `{module}_se_...`).
    reduction_ratio: r of every SE block (16 in the paper); unused without SE.
    dropout_rate: dropout before the classifier.
    residual: False removes the additions of the Inception-ResNet blocks (each outputs the
        activation of its projected branch; every width stays): the controlled
        comparison of residual against non-residual Inception (notebook 01).
    """

    stem: str
    stem_modules: tuple
    stages: tuple = ()
    repeats: tuple = ()
    residual_scales: tuple = None
    width: float = 1.0
    bn_scale: bool = True
    batch_norm: bool = True
    conv_bias: bool = False
    bn_epsilon: float = 1e-3
    top_filters: int = None
    use_se: bool = False
    reduction_ratio: float = 16
    dropout_rate: float = 0.0
    residual: bool = True

    def __post_init__(self):
        check_choice(self.stem, "stem", STEMS)
        for module in self.stem_modules:
            check_choice(module, "stem_modules", MODULES)
        for stage in self.stages:
            if not isinstance(stage, tuple) or len(stage) != 2:
                raise ValueError(
                    "Every entry of `stages` must be a (block, reduction) pair. "
                    f"Received: stages={self.stages!r}"
                )
            check_choice(stage[0], "stages", MODULES)
            check_choice(stage[1], "stages", (None, *MODULES))
        count = len(self.stages)
        repeats = check_int_sequence(self.repeats, "repeats", minimum=1, length=count)
        object.__setattr__(self, "repeats", repeats)
        scales = self.residual_scales
        if scales is not None:
            if not isinstance(scales, (list, tuple)) or len(scales) != count:
                raise ValueError(
                    f"`residual_scales` must be None or a list or tuple of {count} numbers "
                    f"(one per stage). Received: residual_scales={scales!r}"
                )
            scales = tuple(check_float(s, "residual_scales", minimum=0.0, maximum=10.0)
                           for s in scales)
            object.__setattr__(self, "residual_scales", scales)
        if check_float(self.width, "width", minimum=0.0) == 0.0:
            raise ValueError(f"`width` must be > 0. Received: width={self.width!r}")
        for field in ("bn_scale", "batch_norm", "conv_bias"):
            check_bool(getattr(self, field), field)
        if check_float(self.bn_epsilon, "bn_epsilon", minimum=0.0) == 0.0:
            raise ValueError(f"`bn_epsilon` must be > 0. Received: bn_epsilon={self.bn_epsilon!r}")
        check_bool(self.residual, "residual")
        if self.top_filters is not None:
            check_int(self.top_filters, "top_filters", minimum=1)
        check_bool(self.use_se, "use_se")
        check_float(self.reduction_ratio, "reduction_ratio", minimum=1.0)
        check_float(self.dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)


_INCEPTION_RESNET_V2 = dict(
    stem_modules=("mixed_5b",),
    stages=(("block35", "mixed_6a"), ("block17", "mixed_7a"), ("block8", None)),
    residual_scales=RESIDUAL_SCALES, bn_scale=False, top_filters=1536,
)

_GOOGLENET_MODULES = (
    "inception_3a", "inception_3b", "pool_3", "inception_4a", "inception_4b", "inception_4c",
    "inception_4d", "inception_4e", "pool_4", "inception_5a", "inception_5b",
)
_BN_INCEPTION_MODULES = tuple(
    f"bn_inception_{stage}" for stage in ("3a", "3b", "3c", "4a", "4b", "4c", "4d", "4e",
                                          "5a", "5b")
)

INCEPTION_CONFIGS = {
    # The BVLC Caffe GoogLeNet that Bianco et al. measured (their "Our porting"): no
    # BatchNormalization, a bias on every convolution, dropout 0.4 before the classifier.
    "googlenet": InceptionConfig(
        stem="googlenet", stem_modules=_GOOGLENET_MODULES, batch_norm=False,
        dropout_rate=0.4, input_size=224, reference_params=6_998_552,
        reference_source="CeLuigi/models-comparison.pytorch googlenet.googlenet (BVLC Caffe)",
    ),
    # BN-Inception as Cadene ported it: BatchNormalization (epsilon 1e-5, with scale) after
    # every convolution, which keeps its bias.
    "bninception": InceptionConfig(
        stem="googlenet", stem_modules=_BN_INCEPTION_MODULES, conv_bias=True,
        bn_epsilon=1e-5, input_size=224, reference_params=11_295_240,
        reference_source="Cadene pretrainedmodels bninception",
    ),
    # Paper Figure 9: stem, 4 x A, Reduction-A, 7 x B, Reduction-B, 3 x C; trainable
    # parameters as the PyTorch ports count them.
    "inception_v4": InceptionConfig(
        stem="inception_v4", stem_modules=("mixed_3a", "mixed_4a", "mixed_5a"),
        stages=(("inception_a", "reduction_a"), ("inception_b", "reduction_b"),
                ("inception_c", None)),
        repeats=(4, 7, 3), input_size=299, reference_params=42_679_816,
        reference_source="Cadene pretrainedmodels inceptionv4",
    ),
    # Paper Figure 15, as keras.applications builds it (stem of Inception-v3, mixed_5b,
    # 10 x A, Reduction-A, 20 x B, Reduction-B, 10 x C, a 1x1 conv of 1536).
    "inception_resnet_v2": InceptionConfig(
        stem="inception_v3", **_INCEPTION_RESNET_V2, repeats=(10, 20, 10), input_size=299,
        keras_twin="InceptionResNetV2", reference_params=55_813_192,
        reference_source="keras.applications.InceptionResNetV2 (trainable)",
    ),
    # keras.applications.InceptionV3 with an SE block after every module (Hu et al.).
    "se_inception_v3": InceptionConfig(
        stem="inception_v3", stem_modules=tuple(f"mixed{index}" for index in range(11)),
        bn_scale=False, use_se=True, input_size=299,
    ),
    # The modules of inception_resnet_v2 at an eighth of their width, 2 blocks per stage,
    # for 32x32 images: 32x32 -> 16x16 (stem) -> 7x7 -> 3x3.
    "inception_resnet_mini": InceptionConfig(
        stem="inception_resnet_mini", **_INCEPTION_RESNET_V2, repeats=(2, 2, 2),
        width=0.125, input_size=32, input_channels=1, classes=10,
    ),
}

# Inception-v4: how many Inception-A, -B and -C modules (a view of its row).
INCEPTION_V4_DEPTHS = INCEPTION_CONFIGS["inception_v4"].repeats


MIN_FILTERS = 8


def scale_filters(filters, width):
    """Filters of a conv after the width multiplier: `round(filters * width)`, but never
    below 8 (or below `filters` itself), so narrow variants keep usable branches."""
    return max(min(filters, MIN_FILTERS), int(round(filters * width)))


def _step_size(size, step):
    """Height (= width) of the map after one step of a branch."""
    if step == "avg":
        return size
    if step == "max":
        return (size - 3) // 2 + 1
    if step == "max_same":
        return -(-size // 2)
    if step == "max_s1":
        return size
    _, kernel_size, strides, padding = (tuple(step) + (1, "same"))[:4]
    if padding == "same":
        return -(-size // strides)
    kernel = max(kernel_size) if isinstance(kernel_size, tuple) else kernel_size
    return (size - kernel) // strides + 1


def _branch_size(size, steps):
    for step in steps:
        if isinstance(step, list):
            return min(_step_size(size, conv) for conv in step)
        size = _step_size(size, step)
    return size


def min_input_size(config):
    """The smallest height/width whose last map is still at least 1x1, computed from the
    tables: for the Inception-v3 stem 75 -> 37 -> 35 -> 17 -> 15 -> 7 -> 3 (Reduction-A)
    -> 1 (Reduction-B), as keras.applications says; for the mini stem 13 -> 7 -> 3 -> 1."""

    def last_size(size):
        size = _branch_size(size, STEMS[config.stem])
        modules = [*config.stem_modules, *(m for stage in config.stages for m in stage if m)]
        for module in modules:
            size = min(_branch_size(size, branch) for branch in MODULES[module])
        return size

    return next(size for size in range(1, 4097) if last_size(size) >= 1)


def _apply_step(x, step, name, bn_scale, width, batch_norm=True, use_bias=False,
                bn_epsilon=1e-3):
    """One step of a branch: a conv-BN-ReLU unit (conv-ReLU without `batch_norm`) or a
    pooling layer."""
    if step == "avg":
        return layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_avgpool")(x)
    if step == "max":
        return layers.MaxPooling2D(3, strides=2, padding="valid", name=f"{name}_maxpool")(x)
    if step == "max_same":
        return layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_maxpool")(x)
    if step == "max_s1":
        return layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_maxpool")(x)
    filters, kernel_size, strides, padding = (tuple(step) + (1, "same"))[:4]
    if not batch_norm:
        x = layers.Conv2D(scale_filters(filters, width), kernel_size, strides=strides,
                          padding=padding, name=f"{name}_conv")(x)
        return layers.Activation("relu", name=f"{name}_relu")(x)
    return conv_bn(
        x,
        scale_filters(filters, width),
        kernel_size,
        name=name,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        bn_scale=bn_scale,
        bn_epsilon=bn_epsilon,
    )


def inception_branch(x, steps, name, bn_scale=True, width=1.0, batch_norm=True,
                     use_bias=False, bn_epsilon=1e-3):
    """Applies the `steps` of one branch in order; returns a tensor (forks concatenated).

    Layers are named `{name}_{index}_...`, so `branch1` of a module gives `..._branch1_2_conv`.
    `batch_norm`, `use_bias` and `bn_epsilon` describe every conv step (see
    `InceptionConfig`).
    """
    style = dict(batch_norm=batch_norm, use_bias=use_bias, bn_epsilon=bn_epsilon)
    for index, step in enumerate(steps, start=1):
        if isinstance(step, list):  # a fork: parallel convs on the branch so far
            outputs = [
                _apply_step(x, conv, f"{name}_{index}{letter}", bn_scale, width, **style)
                for letter, conv in zip("abcdefgh", step)
            ]
            return layers.Concatenate(axis=-1, name=f"{name}_{index}_concat")(outputs)
        x = _apply_step(x, step, f"{name}_{index}", bn_scale, width, **style)
    return x


def inception_module(x, branches, name, bn_scale=True, width=1.0, batch_norm=True,
                     use_bias=False, bn_epsilon=1e-3):
    """Runs every branch of `branches` on `x` and concatenates the results (channels last).

    Args:
        x: input tensor (batch, height, width, channels).
        branches: a module table such as `MODULES["inception_a"]`.
        name: prefix of every layer name; the output layer is `{name}_concat`.
        bn_scale: whether BatchNormalization learns a scale (gamma).
        width: multiplier of every conv's filters (1.0 = the paper's module).
        batch_norm, use_bias, bn_epsilon: the conv steps' style (see `InceptionConfig`).
    """
    style = dict(batch_norm=batch_norm, use_bias=use_bias, bn_epsilon=bn_epsilon)
    outputs = [
        inception_branch(x, steps, f"{name}_branch{index}", bn_scale, width, **style)
        for index, steps in enumerate(branches)
    ]
    return layers.Concatenate(axis=-1, name=f"{name}_concat")(outputs)


def inception_resnet_block(
    x, branches, scale, name, activation="relu", width=1.0, bn_scale=False,
    reduction_ratio=None, residual=True, batch_norm=True, use_bias=False, bn_epsilon=1e-3,
):
    """An Inception-ResNet block: `activation(x + scale * project(inception(x)))`.

    The Inception branches are concatenated, a linear 1x1 convolution (with bias, no
    BatchNormalization, as in keras.applications) projects them back to the channels of
    `x`, the result is multiplied by `scale` (residual scaling, paper Section 3.3) and
    added to `x`.

    Args:
        x: input tensor (batch, height, width, channels).
        branches: the residual branch's module table, e.g. `MODULES["block35"]`.
        scale: factor applied to the residual before the addition (0.1 to 0.3 in the paper).
        name: prefix of every layer name, e.g. "block35_1".
        activation: applied after the addition; None for the linear last block.
        width: multiplier of the branch convs' filters.
        bn_scale: whether BatchNormalization learns a scale (gamma; keras.applications: no).
        reduction_ratio: None, or r of an SE block on the projected residual before the
            scaling (on the residual branch, as in SE-ResNet; Hu et al., Figure 3).
        residual: False drops the addition (and the scaling): the block outputs
            `activation(project(inception(x)))`, with the same layers otherwise.
        batch_norm, use_bias, bn_epsilon: the branch convs' style (see `InceptionConfig`).
    """
    mixed = inception_module(x, branches, f"{name}_mixed", bn_scale=bn_scale, width=width,
                             batch_norm=batch_norm, use_bias=use_bias, bn_epsilon=bn_epsilon)
    branch = layers.Conv2D(x.shape[-1], 1, use_bias=True, name=f"{name}_conv")(mixed)
    if reduction_ratio is not None:
        branch = se_block(branch, reduction_ratio, name=f"{name}_se")
    if residual:
        branch = layers.Rescaling(scale, name=f"{name}_scale")(branch)
        x = layers.Add(name=f"{name}_add")([x, branch])
    else:
        x = branch
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def build_inception(config, name, include_top, input_shape, pooling, classes,
                    classifier_activation):
    """An Inception network from an `InceptionConfig`; see its docstring for each option.

    The rows "inception_resnet_v2" and "se_inception_v3" (with `use_se=False`) build the
    layers of keras.applications' InceptionResNetV2 and InceptionV3 in their order, so
    `convnet_lib.weights.transfer_weights` copies those models' weights. Without SE the
    model's name loses its "se_" prefix ("inception_v3").

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    ratio = config.reduction_ratio if config.use_se else None
    options = dict(bn_scale=config.bn_scale, width=config.width)
    style = dict(batch_norm=config.batch_norm, use_bias=config.conv_bias,
                 bn_epsilon=config.bn_epsilon)

    def module(x, key, module_name):
        x = inception_module(x, MODULES[key], module_name, **options, **style)
        return x if ratio is None else se_block(x, ratio, name=f"{module_name}_se")

    x = inception_branch(inputs, STEMS[config.stem], "stem", bn_scale=config.bn_scale,
                         **style)
    for key in config.stem_modules:
        x = module(x, key, key)
    scales = config.residual_scales or (None,) * len(config.stages)
    stages = zip(config.stages, config.repeats, scales)
    for stage, ((block, reduction), depth, scale) in enumerate(stages):
        for index in range(1, depth + 1):
            if scale is None:
                x = module(x, block, f"{block}{index}")
                continue
            last = stage == len(config.stages) - 1 and index == depth
            x = inception_resnet_block(
                x, MODULES[block], scale=1.0 if last else scale, name=f"{block}_{index}",
                activation=None if last else "relu", reduction_ratio=ratio,
                residual=config.residual, **options, **style,
            )
        if reduction is not None:
            x = module(x, reduction, reduction)
    if config.top_filters is not None:
        x = _apply_step(x, (config.top_filters, 1), "conv_7b", config.bn_scale, config.width,
                        **style)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation,
        dropout_rate=config.dropout_rate,
    )
    return keras.Model(inputs, outputs, name=se_model_name(name, config.use_se))


register_family(INCEPTION_CONFIGS, build_inception, min_input_size)
