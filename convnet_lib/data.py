"""Fashion-MNIST, offline first, as NumPy arrays and as tf.data pipelines.

Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv 1708.07747; MIT licence) has 60,000
training and 10,000 test images of 28x28 grey-scale clothing in 10 classes.

`load_fashion_mnist()` looks for the four original `*-ubyte.gz` files, in this order:

1. the directory named by the environment variable `FASHION_MNIST_DIR`;
2. the Keras cache, `~/.keras/datasets/fashion-mnist` (filled by `keras.datasets`);
3. `/usr/share/datasets/fashion-mnist` (Debian/Ubuntu: `apt-get install dataset-fashion-mnist`);

and only then, if `allow_download=True`, downloads through `keras.datasets.fashion_mnist`.

Damaged or mismatched data stops with a `ValueError` that names the file or argument, what
was found and what to do: a truncated or corrupt download, a web page saved under a data
file's name, an IDX header that disagrees with the file, files that do not belong together,
and arrays of the wrong type or range (e.g. images already scaled to [0, 1]).
"""

import gzip
import os
import zlib
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

IMAGE_SHAPE = (28, 28)
DATA_DIR_ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE_DIR = Path("~/.keras/datasets/fashion-mnist")
SOURCE_URL = "https://github.com/zalandoresearch/fashion-mnist"

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
    found.extend(_keras_cache_directories())
    found.append(DEBIAN_DIR)
    return found


def _keras_cache_directories():
    keras_home = os.environ.get("KERAS_HOME")
    found = [Path(keras_home).expanduser() / "datasets" / "fashion-mnist"] if keras_home else []
    return found + [KERAS_CACHE_DIR.expanduser()]


def _what_to_do(path):
    """The remedy for a damaged data file, depending on where it came from."""
    if path.parent == DEBIAN_DIR:
        return "Reinstall it: `sudo apt-get install --reinstall dataset-fashion-mnist`."
    if path.parent in _keras_cache_directories():
        return "Delete it and run again: it will be downloaded again."
    return (
        f"Replace it with the original file from {SOURCE_URL}, or delete it and run again "
        "to use another copy or a fresh download."
    )


def _damaged(path, found):
    return ValueError(f"The Fashion-MNIST file {path} {found}. {_what_to_do(path)}")


def _decompress(path):
    """The bytes of one gzip file; a clear error for anything that is not a complete gzip."""
    raw = path.read_bytes()
    if not raw:
        raise _damaged(path, "is empty (0 bytes)")
    text_start = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:40]
    if text_start[:1] == b"<":
        start = text_start.decode("utf-8", "replace").splitlines()[0]
        raise _damaged(
            path,
            f"is a web page (it starts with {start!r}), not data: a download that went wrong "
            "(an error page or a login page) was saved under the data file's name",
        )
    if raw[:2] != b"\x1f\x8b":
        raise _damaged(
            path, f"is not gzip-compressed (it starts with bytes {raw[:4].hex(' ')}, not 1f 8b)"
        )
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise _damaged(
            path, f"is truncated: its gzip stream ends early ({len(raw):,} bytes on disk)"
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as error:
        raise _damaged(path, f"is corrupt: gzip cannot decompress it ({error})") from None


def _read_idx(path, dimensions):
    """Reads one gzip-compressed IDX file (the MNIST format) of unsigned bytes.

    `dimensions` is 3 for an image file (count, 28, 28) and 1 for a label file (count,).
    """
    what = "images" if dimensions == 3 else "labels"
    content = _decompress(path)
    if len(content) < 4:
        raise _damaged(path, f"holds only {len(content)} bytes, less than an IDX header")
    zeros, type_code, found_dimensions = content[0:2], content[2], content[3]
    if zeros != b"\x00\x00" or type_code != 0x08:
        raise _damaged(
            path,
            f"does not start with the magic number of an IDX file of unsigned bytes "
            f"(expected 00 00 08 0{dimensions}, found {content[:4].hex(' ')})",
        )
    if found_dimensions != dimensions:
        found_what = {1: "labels", 3: "images"}.get(found_dimensions, "something else")
        raise _damaged(
            path,
            f"has {found_dimensions} dimensions ({found_what}), but a file of {what} has "
            f"{dimensions}: were two files renamed or swapped?",
        )
    header_size = 4 + 4 * dimensions
    if len(content) < header_size:
        raise _damaged(path, f"has an incomplete IDX header ({len(content)} bytes)")
    shape = tuple(
        int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions)
    )
    expected = int(np.prod(shape)) + header_size
    if len(content) != expected:
        raise _damaged(
            path,
            f"does not match its own header: the header announces {what} of shape {shape} "
            f"({expected:,} bytes), the file holds {len(content):,} bytes",
        )
    if dimensions == 3 and shape[1:] != IMAGE_SHAPE:
        raise _damaged(path, f"holds images of {shape[1]}x{shape[2]} pixels, not 28x28")
    array = np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape)
    if dimensions == 1 and array.size and array.max() >= len(CLASS_NAMES):
        raise _damaged(
            path,
            f"holds label {int(array.max())}, but Fashion-MNIST's labels are 0 to "
            f"{len(CLASS_NAMES) - 1}",
        )
    return array


def _load_from(directory):
    """Reads the four files of one directory and checks that they belong together."""
    paths = {key: directory / name for key, name in _FILES.items()}
    arrays = {
        key: _read_idx(path, dimensions=3 if key.endswith("images") else 1)
        for key, path in paths.items()
    }
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise ValueError(
                f"The Fashion-MNIST files {paths[f'{split}_images']} ({len(images):,} images) "
                f"and {paths[f'{split}_labels']} ({len(labels):,} labels) do not belong "
                f"together. Replace both with the originals from {SOURCE_URL} (the training "
                "files hold 60,000 examples, the test files 10,000)."
            )
    if len(arrays["train_images"]) < len(arrays["test_images"]):
        raise ValueError(
            f"The Fashion-MNIST training files in {directory} hold fewer examples "
            f"({len(arrays['train_images']):,}) than the test files "
            f"({len(arrays['test_images']):,}): the train-* and t10k-* files look swapped. "
            f"Replace them with the originals from {SOURCE_URL} (train-*: 60,000, t10k-*: 10,000)."
        )
    return (arrays["train_images"], arrays["train_labels"].astype("int64")), (
        arrays["test_images"],
        arrays["test_labels"].astype("int64"),
    )


def _is_complete(directory):
    return all((directory / name).is_file() for name in _FILES.values())


def load_fashion_mnist(directory=None, allow_download=True):
    """Returns ((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28), int labels.

    Args:
        directory: a directory holding the four `*-ubyte.gz` files; None searches
            `candidate_directories()`.
        allow_download: if nothing is found locally, download with `keras.datasets`.

    Raises:
        FileNotFoundError: the data is nowhere to be found (the message says how to get it).
        ValueError: a data file is damaged, or the files do not belong together (the
            message names the file and says what to do).
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
        if _is_complete(candidate):
            return _load_from(candidate)
    download_error = None
    if allow_download:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        except Exception as error:
            download_error = error
            # A download that left all four files behind but could not be read (e.g. an
            # error page from a proxy): name the damaged file instead of the decoder error.
            for candidate in _keras_cache_directories():
                if _is_complete(candidate):
                    return _load_from(candidate)
        else:
            return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))
    raise FileNotFoundError(
        "Fashion-MNIST was not found. Searched: "
        + ", ".join(str(path) for path in searched)
        + ". Get it with one of: `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); "
        "running `keras.datasets.fashion_mnist.load_data()` once with internet access; or "
        f"downloading the four *-ubyte.gz files from {SOURCE_URL} "
        f"into a directory named by the environment variable {DATA_DIR_ENV_VAR}."
        + (f" (The download attempt failed: {download_error})" if download_error else "")
    )


def _check_images(images, channels=None):
    """`images` must be a non-empty (N, H, W) or (N, H, W, C) NumPy array."""
    if not isinstance(images, np.ndarray) or images.ndim not in (3, 4):
        raise ValueError(
            "`images` must be a NumPy array of shape (N, height, width) or "
            f"(N, height, width, channels). Received: images with shape "
            f"{getattr(images, 'shape', None)!r} and type {type(images).__name__}"
        )
    if len(images) == 0:
        raise ValueError(f"`images` is empty. Received: images with shape {images.shape}")
    if channels is not None and images.ndim == 4 and images.shape[-1] not in (1, channels):
        raise ValueError(
            f"`images` must have 1 or {channels} channels (the last axis) for channels="
            f"{channels}. Received: images with shape {images.shape}"
        )


def _check_uint8(images):
    """Images must be grey levels 0..255 as loaded (uint8), not already scaled."""
    if images.dtype == np.uint8:
        return
    hint = ""
    if images.dtype.kind in "iuf":  # integers or floats: say what the values look like
        low, high = float(np.min(images)), float(np.max(images))
        if images.dtype.kind == "f" and 0.0 <= low and high <= 1.0:
            hint = (
                f" Its values lie in [{low:g}, {high:g}]: the images look already scaled to "
                "[0, 1]. Pass them as loaded (uint8); the pipeline divides by 255 itself."
            )
        elif 0 <= low and high <= 255 and np.array_equal(images, np.round(images)):
            hint = " Its values are whole numbers in 0..255: pass images.astype('uint8')."
        else:
            hint = f" Its values lie in [{low:g}, {high:g}], outside the grey levels 0..255."
    raise ValueError(
        "`images` must be uint8 grey levels 0..255, as `load_fashion_mnist` returns them."
        f"{hint} Received: images with dtype {images.dtype}"
    )


def _check_labels(labels, count):
    """One integer class (0..9) per image."""
    if not isinstance(labels, np.ndarray) or labels.ndim != 1 or len(labels) != count:
        raise ValueError(
            f"`labels` must be a 1-D NumPy array with one class number per image ({count}), "
            "not one-hot rows. Received: labels with shape "
            f"{getattr(labels, 'shape', None)!r} and type {type(labels).__name__}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"`labels` must be integers (class numbers 0 to {len(CLASS_NAMES) - 1}). "
            f"Received: labels with dtype {labels.dtype}"
        )
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= len(CLASS_NAMES):
        raise ValueError(
            f"`labels` must be class numbers 0 to {len(CLASS_NAMES) - 1}. Received: labels "
            f"from {low} to {high}"
        )


def _check_images_and_labels(images, labels):
    _check_images(images)
    _check_labels(labels, len(images))


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


def _check_size_arguments(height, image_size, channels, resize_method):
    check_int(image_size, "image_size", minimum=1)
    check_choice(channels, "channels", (1, 3))
    check_choice(resize_method, "resize_method", ("pad", "resize"))
    if resize_method == "pad" and height is not None and image_size < height:
        raise ValueError(
            f"`image_size` must be at least the images' size ({height}) to pad; use "
            f"resize_method='resize' to shrink. Received: image_size={image_size!r}"
        )


def preprocess(images, image_size=28, channels=1, resize_method="pad"):
    """Turns a batch of uint8 images into float32 in [0, 1] of shape (N, size, size, channels).

    `resize_method="pad"` zero-pads symmetrically (28 -> 32 adds 2 pixels a side, the image
    itself untouched); "resize" interpolates bilinearly (any size). Channels are copied to
    make 3-channel inputs. Works on NumPy arrays and on tensors inside a tf.data map.
    """
    import tensorflow as tf

    if isinstance(images, tf.Tensor):
        if images.dtype != tf.uint8 or images.shape.rank not in (3, 4):
            raise ValueError(
                "`images` must be a uint8 tensor of shape (N, height, width) or (N, height, "
                f"width, channels). Received: images with dtype {images.dtype.name} and "
                f"shape {tuple(images.shape)}"
            )
    else:
        _check_images(images, channels)
        _check_uint8(images)
    _check_size_arguments(images.shape[1], image_size, channels, resize_method)
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
    whole batches, so every epoch sees new batch compositions. The order of each pass
    depends on `seed`, on the global seed when the dataset was made
    (`keras.utils.set_random_seed`) and on how many passes came before: to repeat a run
    exactly, seed first, then make a fresh dataset. Images come out as float32 in [0, 1]
    with shape (image_size, image_size, channels); labels as int64.

    Args:
        images: uint8 array (N, 28, 28) or (N, 28, 28, 1), grey levels 0..255 as loaded.
        labels: int array (N,), class numbers 0..9.
        batch_size: examples per batch.
        image_size: output height and width; with `resize_method="pad"` it must be at
            least the input size (28 -> 32 pads 2 pixels a side).
        channels: 1, or 3 to copy the grey channel (for models built for RGB).
        shuffle, seed: shuffle examples each epoch, reproducibly with a seed.
        resize_method: "pad" or "resize".
    """
    import tensorflow as tf

    _check_images(images, channels)
    _check_labels(labels, len(images))
    _check_uint8(images)
    check_int(batch_size, "batch_size", minimum=1)
    _check_size_arguments(images.shape[1], image_size, channels, resize_method)
    check_bool(shuffle, "shuffle")
    dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype("int64")))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(
        lambda x, y: (preprocess(x, image_size, channels, resize_method), y),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return dataset.prefetch(tf.data.AUTOTUNE)
