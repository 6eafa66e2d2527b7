"""Fashion-MNIST, offline first, as NumPy arrays and as tf.data pipelines.

Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv 1708.07747; MIT licence) has 60,000
training and 10,000 test images of 28x28 grey-scale clothing in 10 classes.

`load_fashion_mnist()` looks for the four original `*-ubyte.gz` files, in this order:

1. the directory named by the environment variable `FASHION_MNIST_DIR`;
2. the Keras cache, `~/.keras/datasets/fashion-mnist` (filled by `keras.datasets`);
3. `/usr/share/datasets/fashion-mnist` (Debian/Ubuntu: `apt-get install dataset-fashion-mnist`);

and only then, if `allow_download=True`, downloads through `keras.datasets.fashion_mnist`.
"""

import gzip
import os
from pathlib import Path

import numpy as np

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

DATA_DIR_ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE_DIR = Path("~/.keras/datasets/fashion-mnist")

_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def candidate_directories():
    """The directories `load_fashion_mnist` searches, in order."""
    found = []
    if os.environ.get(DATA_DIR_ENV_VAR):
        found.append(Path(os.environ[DATA_DIR_ENV_VAR]).expanduser())
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        found.append(Path(keras_home).expanduser() / "datasets" / "fashion-mnist")
    found.append(KERAS_CACHE_DIR.expanduser())
    found.append(DEBIAN_DIR)
    return found


def _read_idx(path):
    """Reads one gzip-compressed IDX file (the MNIST format) into a uint8 array."""
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08: unsigned byte
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x}).")
    dims = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if array.size != np.prod(shape):
        raise ValueError(f"{path} is truncated: expected {shape}, found {array.size} values.")
    return array.reshape(shape)


def _load_from(directory):
    arrays = {key: _read_idx(directory / name) for key, name in _FILES.items()}
    return (arrays["train_images"], arrays["train_labels"].astype("int64")), (
        arrays["test_images"],
        arrays["test_labels"].astype("int64"),
    )


def load_fashion_mnist(directory=None, allow_download=True):
    """Returns ((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28), int labels.

    Args:
        directory: a directory holding the four `*-ubyte.gz` files; None searches
            `candidate_directories()`.
        allow_download: if nothing is found locally, download with `keras.datasets`.

    Raises:
        FileNotFoundError: the data is nowhere to be found (the message says how to get it).
    """
    check_bool(allow_download, "allow_download")
    if directory is not None:
        directory = Path(directory).expanduser()
        missing = [name for name in _FILES.values() if not (directory / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"`directory` does not hold Fashion-MNIST: missing {missing}. "
                f"Received: directory={str(directory)!r}"
            )
        return _load_from(directory)
    searched = candidate_directories()
    for candidate in searched:
        if all((candidate / name).is_file() for name in _FILES.values()):
            return _load_from(candidate)
    if allow_download:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        except Exception as error:  # no network: fall through to the explanation below
            download_error = error
        else:
            return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))
    else:
        download_error = None
    raise FileNotFoundError(
        "Fashion-MNIST was not found. Searched: "
        + ", ".join(str(path) for path in searched)
        + ". Get it with one of: `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); "
        "running `keras.datasets.fashion_mnist.load_data()` once with internet access; or "
        "downloading the four *-ubyte.gz files from github.com/zalandoresearch/fashion-mnist "
        f"into a directory named by the environment variable {DATA_DIR_ENV_VAR}."
        + (f" (The download attempt failed: {download_error})" if download_error else "")
    )


def _check_images_and_labels(images, labels):
    if not isinstance(images, np.ndarray) or images.ndim not in (3, 4):
        raise ValueError(
            "`images` must be a NumPy array of shape (N, height, width) or "
            f"(N, height, width, channels). Received: images with shape "
            f"{getattr(images, 'shape', None)!r} and type {type(images).__name__}"
        )
    if not isinstance(labels, np.ndarray) or labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"`labels` must be a 1-D NumPy array with one label per image ({len(images)}). "
            f"Received: labels with shape {getattr(labels, 'shape', None)!r}"
        )


def subset(images, labels, count, seed=0):
    """Returns a random subset of `count` examples (all of them, shuffled, if count is None)."""
    _check_images_and_labels(images, labels)
    if count is None:
        count = len(images)
    check_int(count, "count", minimum=1, maximum=len(images))
    order = np.random.default_rng(seed).permutation(len(images))[:count]
    return images[order], labels[order]


def train_validation_split(images, labels, validation_fraction=0.1, seed=0):
    """Splits off a random validation set: returns (train_x, train_y), (val_x, val_y)."""
    _check_images_and_labels(images, labels)
    check_float(validation_fraction, "validation_fraction", minimum=0.0, maximum=1.0)
    count = int(round(len(images) * validation_fraction))
    if not 0 < count < len(images):
        raise ValueError(
            "`validation_fraction` leaves an empty training or validation set for "
            f"{len(images)} examples. Received: validation_fraction={validation_fraction!r}"
        )
    order = np.random.default_rng(seed).permutation(len(images))
    validation, train = order[:count], order[count:]
    return (images[train], labels[train]), (images[validation], labels[validation])


def preprocess(images, image_size=28, channels=1, resize_method="pad"):
    """Turns a batch of uint8 images into float32 in [0, 1] of shape (N, size, size, channels).

    `resize_method="pad"` zero-pads symmetrically (28 -> 32 adds 2 pixels a side, the image
    itself untouched); "resize" interpolates bilinearly (any size). Channels are copied to
    make 3-channel inputs. Works on NumPy arrays and on tensors inside a tf.data map.
    """
    import tensorflow as tf

    images = tf.cast(images, tf.float32) / 255.0
    if images.shape.rank == 3:
        images = images[..., tf.newaxis]
    height = images.shape[1]
    if image_size != height:
        if resize_method == "pad":
            before = (image_size - height) // 2
            after = image_size - height - before
            images = tf.pad(images, [[0, 0], [before, after], [before, after], [0, 0]])
        else:
            images = tf.image.resize(images, (image_size, image_size), method="bilinear")
    if channels != images.shape[-1]:
        images = tf.repeat(images, channels, axis=-1)
    return images


def make_dataset(
    images,
    labels,
    batch_size=128,
    image_size=28,
    channels=1,
    shuffle=False,
    seed=None,
    resize_method="pad",
):
    """A tf.data pipeline: (optionally) shuffle examples, batch, preprocess, prefetch.

    Shuffling is over individual examples (a buffer as large as the data set), not over
    whole batches, so every epoch sees new batch compositions. Images come out as float32
    in [0, 1] with shape (image_size, image_size, channels); labels as int64.

    Args:
        images: uint8 array (N, 28, 28) or (N, 28, 28, 1).
        labels: int array (N,).
        batch_size: examples per batch.
        image_size: output height and width; with `resize_method="pad"` it must be at
            least the input size (28 -> 32 pads 2 pixels a side).
        channels: 1, or 3 to copy the grey channel (for models built for RGB).
        shuffle, seed: shuffle examples each epoch, reproducibly with a seed.
        resize_method: "pad" or "resize".
    """
    import tensorflow as tf

    _check_images_and_labels(images, labels)
    check_int(batch_size, "batch_size", minimum=1)
    check_int(image_size, "image_size", minimum=1)
    check_choice(channels, "channels", (1, 3))
    check_bool(shuffle, "shuffle")
    check_choice(resize_method, "resize_method", ("pad", "resize"))
    if resize_method == "pad" and image_size < images.shape[1]:
        raise ValueError(
            f"`image_size` must be at least the images' size ({images.shape[1]}) to pad; use "
            f"resize_method='resize' to shrink. Received: image_size={image_size!r}"
        )
    dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype("int64")))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(
        lambda x, y: (preprocess(x, image_size, channels, resize_method), y),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return dataset.prefetch(tf.data.AUTOTUNE)
