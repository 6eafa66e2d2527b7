"""The Inception family's modules and stems, written as data (the table language).

An Inception *module* runs several *branches* on the same input and concatenates their
outputs along the channel axis. Here a module is written as data, a tuple of branches,
and each branch is a tuple of steps applied one after the other:

- `(filters, kernel_size)` or `(filters, kernel_size, strides, padding)`: a
  Conv2D -> BatchNormalization -> ReLU unit (defaults: stride 1, "same" padding);
  `kernel_size` may be a pair such as `(1, 7)` for the factorised convolutions;
- `"avg"`: 3x3 average pooling, stride 1, "same" padding (padding not counted in the mean);
- `"max"`: 3x3 max pooling, stride 2, "valid" padding (the grid-reduction pool);
- `"max_same"`: 3x3 max pooling, stride 2, "same" padding (for even sizes the windows of
  Caffe's and PyTorch's `ceil_mode` pooling: 112 -> 56 -> 28 -> 14 -> 7);
- `"max_s1"`: 3x3 max pooling, stride 1, "same" padding (GoogLeNet's pooling branch);
- a list of conv steps, as the *last* step only: a fork; each conv is applied to the
  branch so far and their outputs are concatenated (the 1x3 / 3x1 pair of Inception-C).

`convnet_lib.models.inception` interprets these tables; the sources of each table are in
its docstring.
"""

_VALID = "valid"
_SAME = "same"


def _inception_v3_a(pool_filters):
    """Inception-v3's 35x35 module (Szegedy et al. 2016, Figure 5, 5x5 kept as in the
    released model); the pooling branch's width grows from 32 to 64."""
    return (
        ((64, 1),),
        ((48, 1), (64, 5)),
        ((64, 1), (96, 3), (96, 3)),
        ("avg", (pool_filters, 1)),
    )


def _inception_v3_c(width):
    """Inception-v3's 17x17 module with 7x7 factorised into 1x7 and 7x1 (Figure 6, n = 7);
    `width` is the inner width of the 7x7 branches (128, 160, 160, 192)."""
    return (
        ((192, 1),),
        ((width, 1), (width, (1, 7)), (192, (7, 1))),
        ((width, 1), (width, (7, 1)), (width, (1, 7)), (width, (7, 1)), (192, (1, 7))),
        ("avg", (192, 1)),
    )


# Inception-v3's 8x8 module with the expanded 1x3 / 3x1 filter bank (Figure 7).
_INCEPTION_V3_E = (
    ((320, 1),),
    ((384, 1), [(384, (1, 3)), (384, (3, 1))]),
    ((448, 1), (384, 3), [(384, (1, 3)), (384, (3, 1))]),
    ("avg", (192, 1)),
)


def _googlenet(ones, reduce3, threes, reduce5, fives, pool):
    """A GoogLeNet module (Szegedy et al. 2015, Table 1): 1x1; 1x1 -> 3x3; 1x1 -> 5x5;
    3x3 max pooling (stride 1) -> 1x1."""
    return (
        ((ones, 1),),
        ((reduce3, 1), (threes, 3)),
        ((reduce5, 1), (fives, 5)),
        ("max_s1", (pool, 1)),
    )


def _bn_inception(ones, reduce3, threes, reduce_double, doubles, pool, pooling="avg"):
    """A BN-Inception module (Ioffe and Szegedy 2015, Figure 5): the 5x5 branch is two 3x3s."""
    return (
        ((ones, 1),),
        ((reduce3, 1), (threes, 3)),
        ((reduce_double, 1), (doubles, 3), (doubles, 3)),
        (pooling, (pool, 1)),
    )


def _bn_inception_reduction(reduce3, threes, reduce_double, doubles):
    """A BN-Inception grid reduction: the 3x3 branches end with stride 2 ("same" padding, as
    PyTorch's padding 1), next to a 3x3/2 max pooling."""
    return (
        ((reduce3, 1), (threes, 3, 2, _SAME)),
        ((reduce_double, 1), (doubles, 3), (doubles, 3, 2, _SAME)),
        ("max_same",),
    )


# Every module of the family as a table of branches (see the module docstring).
MODULES = {
    # Inception-v4 stem, after three plain convolutions (paper Figure 3).
    "mixed_3a": (
        ("max",),
        ((96, 3, 2, _VALID),),
    ),
    "mixed_4a": (
        ((64, 1), (96, 3, 1, _VALID)),
        ((64, 1), (64, (1, 7)), (64, (7, 1)), (96, 3, 1, _VALID)),
    ),
    "mixed_5a": (
        ((192, 3, 2, _VALID),),
        ("max",),
    ),
    # Inception-v4 modules (paper Figures 4 to 8), at 35x35, 17x17 and 8x8 for 299x299 input.
    "inception_a": (
        ((96, 1),),
        ((64, 1), (96, 3)),
        ((64, 1), (96, 3), (96, 3)),
        ("avg", (96, 1)),
    ),
    "reduction_a": (
        ((384, 3, 2, _VALID),),
        ((192, 1), (224, 3), (256, 3, 2, _VALID)),
        ("max",),
    ),
    "inception_b": (
        ((384, 1),),
        ((192, 1), (224, (1, 7)), (256, (7, 1))),
        ((192, 1), (192, (7, 1)), (224, (1, 7)), (224, (7, 1)), (256, (1, 7))),
        ("avg", (128, 1)),
    ),
    "reduction_b": (
        ((192, 1), (192, 3, 2, _VALID)),
        ((256, 1), (256, (1, 7)), (320, (7, 1)), (320, 3, 2, _VALID)),
        ("max",),
    ),
    "inception_c": (
        ((256, 1),),
        ((384, 1), [(256, (1, 3)), (256, (3, 1))]),
        ((384, 1), (448, (3, 1)), (512, (1, 3)), [(256, (1, 3)), (256, (3, 1))]),
        ("avg", (256, 1)),
    ),
    # Inception-ResNet-v2 as in keras.applications / TF-slim (paper Figure 15 and its blocks).
    "mixed_5b": (
        ((96, 1),),
        ((48, 1), (64, 5)),
        ((64, 1), (96, 3), (96, 3)),
        ("avg", (64, 1)),
    ),
    "block35": (  # Inception-ResNet-A, residual branch only
        ((32, 1),),
        ((32, 1), (32, 3)),
        ((32, 1), (48, 3), (64, 3)),
    ),
    "mixed_6a": (  # Reduction-A with k, l, m, n = 256, 256, 384, 384
        ((384, 3, 2, _VALID),),
        ((256, 1), (256, 3), (384, 3, 2, _VALID)),
        ("max",),
    ),
    "block17": (  # Inception-ResNet-B
        ((192, 1),),
        ((128, 1), (160, (1, 7)), (192, (7, 1))),
    ),
    "mixed_7a": (  # Reduction-B
        ((256, 1), (384, 3, 2, _VALID)),
        ((256, 1), (288, 3, 2, _VALID)),
        ((256, 1), (288, 3), (320, 3, 2, _VALID)),
        ("max",),
    ),
    "block8": (  # Inception-ResNet-C
        ((192, 1),),
        ((192, 1), (224, (1, 3)), (256, (3, 1))),
    ),
    # Inception-v3 as keras.applications.InceptionV3 builds it, named as there.
    "mixed0": _inception_v3_a(32),
    "mixed1": _inception_v3_a(64),
    "mixed2": _inception_v3_a(64),
    "mixed3": (  # grid reduction 35 -> 17
        ((384, 3, 2, _VALID),),
        ((64, 1), (96, 3), (96, 3, 2, _VALID)),
        ("max",),
    ),
    "mixed4": _inception_v3_c(128),
    "mixed5": _inception_v3_c(160),
    "mixed6": _inception_v3_c(160),
    "mixed7": _inception_v3_c(192),
    "mixed8": (  # grid reduction 17 -> 8
        ((192, 1), (320, 3, 2, _VALID)),
        ((192, 1), (192, (1, 7)), (192, (7, 1)), (192, 3, 2, _VALID)),
        ("max",),
    ),
    "mixed9": _INCEPTION_V3_E,
    "mixed10": _INCEPTION_V3_E,
    # GoogLeNet (Szegedy et al. 2015, Table 1), at 28x28, 14x14 and 7x7 for 224x224 input;
    # a max pooling between the stages, written as a module of one branch.
    "inception_3a": _googlenet(64, 96, 128, 16, 32, 32),
    "inception_3b": _googlenet(128, 128, 192, 32, 96, 64),
    "pool_3": (("max_same",),),
    "inception_4a": _googlenet(192, 96, 208, 16, 48, 64),
    "inception_4b": _googlenet(160, 112, 224, 24, 64, 64),
    "inception_4c": _googlenet(128, 128, 256, 24, 64, 64),
    "inception_4d": _googlenet(112, 144, 288, 32, 64, 64),
    "inception_4e": _googlenet(256, 160, 320, 32, 128, 128),
    "pool_4": (("max_same",),),
    "inception_5a": _googlenet(256, 160, 320, 32, 128, 128),
    "inception_5b": _googlenet(384, 192, 384, 48, 128, 128),
    # BN-Inception (Ioffe and Szegedy 2015, Figure 5; the widths of Cadene's bninception).
    "bn_inception_3a": _bn_inception(64, 64, 64, 64, 96, 32),
    "bn_inception_3b": _bn_inception(64, 64, 96, 64, 96, 64),
    "bn_inception_3c": _bn_inception_reduction(128, 160, 64, 96),
    "bn_inception_4a": _bn_inception(224, 64, 96, 96, 128, 128),
    "bn_inception_4b": _bn_inception(192, 96, 128, 96, 128, 128),
    "bn_inception_4c": _bn_inception(160, 128, 160, 128, 160, 128),
    "bn_inception_4d": _bn_inception(96, 128, 192, 160, 192, 128),
    "bn_inception_4e": _bn_inception_reduction(128, 192, 192, 256),
    "bn_inception_5a": _bn_inception(352, 192, 320, 160, 224, 128),
    "bn_inception_5b": _bn_inception(352, 192, 320, 192, 224, 128, pooling="max_s1"),
}

# Stems: one branch each, applied before the first module.
STEMS = {
    # Inception-v4: three convolutions, then the modules mixed_3a, mixed_4a, mixed_5a.
    "inception_v4": ((32, 3, 2, _VALID), (32, 3, 1, _VALID), (64, 3)),
    # Inception-v3 as in keras.applications; InceptionResNetV2 there uses it too.
    "inception_v3": (
        (32, 3, 2, _VALID),
        (32, 3, 1, _VALID),
        (64, 3),
        "max",
        (80, 1, 1, _VALID),
        (192, 3, 1, _VALID),
        "max",
    ),
    # GoogLeNet and BN-Inception: 7x7/2 conv, 3x3/2 max pool, 1x1 conv, 3x3 conv, 3x3/2
    # max pool (224 -> 112 -> 56 -> 28).
    "googlenet": ((64, 7, 2, _SAME), "max_same", (64, 1), (192, 3), "max_same"),
    # 32x32 inputs: one convolution at full resolution, then a "same" 2x2 reduction to 16x16.
    "inception_resnet_mini": ((32, 3), "max_same"),
}

# Residual scaling of the A, B and C blocks (keras.applications / TF-slim values; the
# paper recommends factors between 0.1 and 0.3 to keep very wide networks stable).
RESIDUAL_SCALES = (0.17, 0.1, 0.2)
