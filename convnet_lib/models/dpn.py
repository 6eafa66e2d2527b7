"""Dual Path Networks (DPN-68, 68b, 92, 98, 107, 131): a ResNet path and a DenseNet path.

Reference:
    Chen, Li, Xiao, Jin, Yan, Feng, "Dual Path Networks", NeurIPS 2017,
    https://arxiv.org/abs/1707.01629 (Table 1: DPN-92, DPN-98, DPN-131).

Every block reads the concatenation of two paths and updates both: a residual path of
fixed width (its 1x1 output is *added*, as in ResNet) and a densely connected path that
grows by `inc` channels per block (its output is *concatenated*, as in DenseNet). A block
is pre-activated (BN -> ReLU -> conv) and is a ResNeXt bottleneck: 1x1, grouped 3x3, 1x1.
The first block of a stage projects both paths with its own BN -> ReLU -> 1x1 (stride 2
from the second stage on).

The layouts, widths and BatchNormalization epsilon (1e-3) are those of the PyTorch port in
Cadene's `pretrainedmodels` (`dpn.py`, by Ross Wightman, of cypw's MXNet models), which
Bianco et al. 2018 (arXiv 1810.00736) chart. Two differences of form, not of function:

- Where the port computes one 1x1 convolution and slices its output channels between the
  two paths, this builder has two 1x1 convolutions, one per path, on the same input (the
  weights are the same, split by output channel; parameters and multiply-adds are equal).
  That is exactly the port's "b" layout, so `dpn68` and `dpn68b` build the same network
  here: the two differ in their released weights (dpn68b was pretrained on ImageNet-5k).
- The port's classifier is a 1x1 convolution, and in evaluation mode it pools 7x7 windows,
  classifies each and averages the average- and max-pooled scores. At 224x224 the last
  map is 7x7, so that is global average pooling and a Dense layer, which is what this
  builder always does.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import register_family

# The port's BatchNorm2d epsilon (the MXNet models' 1e-3, not PyTorch's default 1e-5).
BN_EPSILON = 1e-3


@dataclasses.dataclass(frozen=True, kw_only=True)
class DPNConfig(ModelRow):
    """One row of DPN_CONFIGS (the arguments of the port's `DPN` class).

    small: a 3x3 stem and bottlenecks 4x narrower (DPN-68); otherwise a 7x7 stem.
    stem_filters: filters of the stem convolution.
    k_r: width of the 1x1 and 3x3 convolutions of a first-stage block (doubles per stage).
    groups: groups of the 3x3 convolution.
    blocks: blocks in each of the four stages.
    increments: channels each block adds to the dense path, per stage.
    """

    small: bool
    stem_filters: int
    k_r: int
    groups: int
    blocks: tuple
    increments: tuple

    def __post_init__(self):
        check_bool(self.small, "small")
        check_int(self.stem_filters, "stem_filters", minimum=1)
        check_int(self.groups, "groups", minimum=1)
        if check_int(self.k_r, "k_r", minimum=1) % self.groups:
            raise ValueError(
                f"`k_r` must be a multiple of `groups` ({self.groups}), the grouped 3x3 "
                f"convolution splits it evenly. Received: k_r={self.k_r!r}"
            )
        blocks = check_int_sequence(self.blocks, "blocks", minimum=1, length=4)
        increments = check_int_sequence(self.increments, "increments", minimum=1, length=4)
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "increments", increments)


def _dpn_row(name, **options):
    # Reference counts measured with sum(p.numel() for p in model.parameters()) on the
    # models of Cadene pretrainedmodels dpn.py (HEAD 8aae3d8), torch 2.14.1.
    return DPNConfig(**options, input_size=224, reference_source=f"Cadene pretrainedmodels {name}")


_DPN68 = dict(small=True, stem_filters=10, k_r=128, groups=32, blocks=(3, 4, 12, 3),
              increments=(16, 32, 32, 64), reference_params=12_611_602)
DPN_CONFIGS = {
    "dpn68": _dpn_row("dpn68", **_DPN68),
    # The same network as DPN-68 (its weights were pretrained on ImageNet-5k).
    "dpn68b": _dpn_row("dpn68b", **_DPN68),
    "dpn92": _dpn_row("dpn92", small=False, stem_filters=64, k_r=96, groups=32,
                      blocks=(3, 4, 20, 3), increments=(16, 32, 24, 128),
                      reference_params=37_668_392),
    "dpn98": _dpn_row("dpn98", small=False, stem_filters=96, k_r=160, groups=40,
                      blocks=(3, 6, 20, 3), increments=(16, 32, 32, 128),
                      reference_params=61_570_728),
    "dpn107": _dpn_row("dpn107", small=False, stem_filters=128, k_r=200, groups=50,
                       blocks=(4, 8, 20, 3), increments=(20, 64, 64, 128),
                       reference_params=86_917_800),
    "dpn131": _dpn_row("dpn131", small=False, stem_filters=128, k_r=160, groups=40,
                       blocks=(4, 8, 28, 3), increments=(16, 32, 32, 128),
                       reference_params=79_254_504),
}


def min_input_size(config):
    """The stem and three strided stages divide the input by 32."""
    return 32


def bn_relu(x, name):
    """BatchNormalization (epsilon 1e-3) -> ReLU, named `{name}_bn` and `{name}_relu`."""
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def bn_relu_conv(x, filters, kernel_size, name, strides=1, groups=1):
    """A pre-activated convolution: BN -> ReLU -> Conv2D (no bias), as the port's BnActConv2d.

    A strided 3x3 convolution pads one pixel on each side (ZeroPadding2D `{name}_pad`, then
    "valid"), as PyTorch does; the convolution is named `{name}_conv`.
    """
    x = bn_relu(x, name)
    padding = "same"
    if strides > 1 and kernel_size > 1:
        x = layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                         groups=groups, use_bias=False, name=f"{name}_conv")(x)


def dual_path_block(residual, dense, width, residual_width, increment, groups, name,
                    projection_strides=None):
    """One dual path block; returns the updated (residual, dense) pair of tensors.

    `dense` is None for the first block, which reads the stem's output alone.
    `projection_strides` (1 or 2) makes this the first block of a stage: both paths are
    projected from the block's input (`{name}_proj_*`: `residual_width` and
    `2 * increment` filters) and the grouped 3x3 takes that stride. The branch
    (`{name}_a`, `{name}_b`, `{name}_c_*`) adds `residual_width` channels to the residual
    path and appends `increment` channels to the dense path.
    """
    if dense is None:
        x = residual
    else:
        x = layers.Concatenate(name=f"{name}_input")([residual, dense])
    strides = 1
    if projection_strides is not None:
        strides = projection_strides
        projected = bn_relu(x, f"{name}_proj")
        residual = layers.Conv2D(residual_width, 1, strides=strides, use_bias=False,
                                 name=f"{name}_proj_residual")(projected)
        dense = layers.Conv2D(2 * increment, 1, strides=strides, use_bias=False,
                              name=f"{name}_proj_dense")(projected)
    y = bn_relu_conv(x, width, 1, f"{name}_a")
    y = bn_relu_conv(y, width, 3, f"{name}_b", strides=strides, groups=groups)
    y = bn_relu(y, f"{name}_c")
    to_residual = layers.Conv2D(residual_width, 1, use_bias=False,
                                name=f"{name}_c_residual")(y)
    to_dense = layers.Conv2D(increment, 1, use_bias=False, name=f"{name}_c_dense")(y)
    residual = layers.Add(name=f"{name}_add")([residual, to_residual])
    dense = layers.Concatenate(name=f"{name}_concat")([dense, to_dense])
    return residual, dense


def build_dpn(config, name, include_top, input_shape, pooling, classes,
              classifier_activation):
    """A Dual Path Network (Chen et al., arXiv 1707.01629) from a `DPNConfig`, the layout
    of Cadene's port.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    # Stem: a strided 3x3 (DPN-68) or 7x7 convolution, BN, ReLU, 3x3/2 max pooling; all
    # padded symmetrically as in PyTorch (the pooling's zeros follow a ReLU: exact).
    kernel_size = 3 if config.small else 7
    x = layers.ZeroPadding2D(kernel_size // 2, name="conv1_pad")(inputs)
    x = layers.Conv2D(config.stem_filters, kernel_size, strides=2, use_bias=False,
                      name="conv1_conv")(x)
    x = bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)

    residual, dense = x, None
    bottleneck_factor = 1 if config.small else 4
    for stage, (blocks, increment) in enumerate(zip(config.blocks, config.increments)):
        residual_width = 64 * bottleneck_factor * 2**stage
        width = config.k_r * 2**stage
        for block in range(1, blocks + 1):
            residual, dense = dual_path_block(
                residual, dense, width, residual_width, increment, config.groups,
                name=f"conv{stage + 2}_{block}",
                projection_strides=(1 if stage == 0 else 2) if block == 1 else None,
            )
    x = layers.Concatenate(name="conv5_output")([residual, dense])
    x = bn_relu(x, "conv5_final")
    outputs = classification_head(x, include_top, pooling, classes, classifier_activation)
    return keras.Model(inputs, outputs, name=name)


DPN_BUILDERS = register_family(DPN_CONFIGS, build_dpn, min_input_size)
