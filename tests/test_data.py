"""Offline Fashion-MNIST loading and the tf.data pipeline."""

import gzip

import numpy as np
import pytest

from convnet_lib import data


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_dataset_dir(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 30), ("t10k", 10)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (count, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.arange(count) % 10)
    return tmp_path


def test_loads_from_the_directory_in_the_environment_variable(tiny_dataset_dir, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV_VAR, str(tiny_dataset_dir))
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(allow_download=False)
    assert x_train.shape == (30, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10, 28, 28)
    np.testing.assert_array_equal(y_test, np.arange(10))


def test_missing_dataset_gives_a_helpful_error(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV_VAR, str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist(allow_download=False)
    with pytest.raises(FileNotFoundError, match="directory="):
        data.load_fashion_mnist(directory=tmp_path / "empty", allow_download=False)


def test_real_fashion_mnist_is_available_offline():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(allow_download=False)
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(data.CLASS_NAMES) == 10


def test_pipeline_pads_to_32_and_makes_three_channels():
    images = np.full((5, 28, 28), 255, dtype=np.uint8)
    labels = np.arange(5)
    batches = list(data.make_dataset(images, labels, batch_size=2, image_size=32, channels=3))
    assert [b[0].shape[0] for b in batches] == [2, 2, 1]
    x = batches[0][0].numpy()
    assert x.shape == (2, 32, 32, 3) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == 0.0  # padding
    assert x[0, 2, 2, 0] == 1.0  # image, scaled to [0, 1]
    assert x[0, 2:30, 2:30].min() == 1.0


def test_shuffling_is_over_examples_and_reproducible():
    # Each image's grey level is its index, so the order can be read back from the images.
    images = np.broadcast_to(np.arange(100, dtype=np.uint8)[:, None, None], (100, 28, 28)).copy()
    labels = np.arange(100) % 10

    def epoch_order(seed):
        dataset = data.make_dataset(images, labels, batch_size=10, shuffle=True, seed=seed)
        batches = [(x.numpy(), y.numpy()) for x, y in dataset]
        order = np.concatenate([np.rint(x[:, 0, 0, 0] * 255).astype(int) for x, _ in batches])
        np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), order % 10)
        return order

    first = epoch_order(3)
    assert sorted(first) == list(range(100))
    # Examples from different original batches of 10 are mixed within one batch.
    assert len({int(v) // 10 for v in first[:10]}) > 1
    np.testing.assert_array_equal(first, epoch_order(3))


def test_resize_method_and_subset_and_split():
    images = np.zeros((20, 28, 28), dtype=np.uint8)
    labels = np.arange(20) % 10
    x, _ = next(iter(data.make_dataset(images, labels, image_size=16, resize_method="resize")))
    assert x.shape[1:] == (16, 16, 1)
    small_x, small_y = data.subset(images, labels, 5, seed=1)
    assert small_x.shape == (5, 28, 28) and small_y.shape == (5,)
    (tx, ty), (vx, vy) = data.train_validation_split(images, labels, validation_fraction=0.25)
    assert len(tx) == 15 and len(vx) == 5


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"channels": 2}, "channels"),
        ({"image_size": 20}, "image_size"),
        ({"resize_method": "crop"}, "resize_method"),
        ({"shuffle": "yes"}, "shuffle"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, name):
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match=f"`{name}`"):
        data.make_dataset(images, np.arange(4), **kwargs)


def test_images_and_labels_must_match():
    with pytest.raises(ValueError, match="`labels`"):
        data.make_dataset(np.zeros((4, 28, 28), np.uint8), np.arange(3))
    with pytest.raises(ValueError, match="`images`"):
        data.make_dataset([[1, 2]], np.arange(1))
    with pytest.raises(ValueError, match="`count`"):
        data.subset(np.zeros((4, 28, 28), np.uint8), np.arange(4), 5)
    with pytest.raises(ValueError, match="`validation_fraction`"):
        data.train_validation_split(np.zeros((4, 28, 28), np.uint8), np.arange(4), 1.5)


# Damaged and mismatched data: each fault gets a ValueError that names the file or the
# argument, says what was found and what to do; never a raw decoder error.


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real data in reach: every searched directory is empty unless a test fills it."""
    monkeypatch.delenv(data.DATA_DIR_ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "keras_cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "debian")
    return tmp_path


def _damage(directory, name, content):
    path = directory / name
    path.write_bytes(content)
    return path


def _gz(content):
    return gzip.compress(content)


def test_truncated_download_names_the_file_and_says_to_delete_it(tiny_dataset_dir, isolated):
    cache = isolated / "keras_home" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for path in tiny_dataset_dir.glob("*.gz"):
        (cache / path.name).write_bytes(path.read_bytes())
    whole = (cache / "train-images-idx3-ubyte.gz").read_bytes()
    _damage(cache, "train-images-idx3-ubyte.gz", whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz is truncated") as error:
        data.load_fashion_mnist(allow_download=False)
    assert "Delete it and run again: it will be downloaded again" in str(error.value)


@pytest.mark.parametrize(
    "content, found",
    [
        (b"<!DOCTYPE html>\n<html><body>404 Not Found</body></html>", "is a web page"),
        (b"\n  <html><head><title>Sign in</title>", "is a web page"),
        (b"", "is empty"),
        (b"PK\x03\x04 a zip file", "is not gzip-compressed"),
        # A gzip header followed by garbage: corrupt, not merely short.
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 64, "is corrupt"),
    ],
)
def test_a_file_that_is_not_a_gzip_says_what_it_is(tiny_dataset_dir, content, found):
    path = _damage(tiny_dataset_dir, "t10k-labels-idx1-ubyte.gz", content)
    with pytest.raises(ValueError, match=found) as error:
        data.load_fashion_mnist(directory=tiny_dataset_dir)
    assert str(path) in str(error.value) and "Replace it with the original" in str(error.value)


def test_a_damaged_debian_file_says_to_reinstall_the_package(
    tiny_dataset_dir, isolated, monkeypatch
):
    monkeypatch.setattr(data, "DEBIAN_DIR", tiny_dataset_dir)
    _damage(tiny_dataset_dir, "t10k-images-idx3-ubyte.gz", b"<html>")
    with pytest.raises(ValueError, match="apt-get install --reinstall dataset-fashion-mnist"):
        data.load_fashion_mnist(allow_download=False)


def test_crc_mismatch_is_reported_as_corrupt(tiny_dataset_dir):
    path = tiny_dataset_dir / "train-labels-idx1-ubyte.gz"
    content = bytearray(path.read_bytes())
    content[-8] ^= 0xFF  # the stored CRC-32 of the uncompressed data
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz is corrupt"):
        data.load_fashion_mnist(directory=tiny_dataset_dir)


@pytest.mark.parametrize(
    "name, content, found",
    [
        ("train-labels-idx1-ubyte.gz", b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + b"\x01" * 3,
         "does not start with the magic number"),
        ("train-labels-idx1-ubyte.gz", b"\x00\x00", "less than an IDX header"),
        ("train-labels-idx1-ubyte.gz", b"\x00\x00\x08\x01\x00", "incomplete IDX header"),
        # The header says 30 labels, the file holds 29.
        ("train-labels-idx1-ubyte.gz", b"\x00\x00\x08\x01" + (30).to_bytes(4, "big") + b"\x01" * 29,
         r"header announces labels of shape \(30,\)"),
        # A label file under an image file's name.
        ("train-images-idx3-ubyte.gz", b"\x00\x00\x08\x01" + (30).to_bytes(4, "big") + b"\x01" * 30,
         r"has 1 dimensions \(labels\).*renamed or swapped"),
        ("train-labels-idx1-ubyte.gz", b"\x00\x00\x08\x01" + (30).to_bytes(4, "big") + b"\x0c" * 30,
         "holds label 12"),
        ("train-images-idx3-ubyte.gz",
         b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in (2, 32, 32)) + bytes(2048),
         "32x32 pixels, not 28x28"),
    ],
)
def test_idx_headers_that_disagree_with_the_file_are_named(tiny_dataset_dir, name, content, found):
    _damage(tiny_dataset_dir, name, _gz(content))
    with pytest.raises(ValueError, match=found) as error:
        data.load_fashion_mnist(directory=tiny_dataset_dir)
    assert name in str(error.value)


def test_files_that_do_not_belong_together(tiny_dataset_dir):
    # Test labels (10) next to training images (30).
    test_labels = (tiny_dataset_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (tiny_dataset_dir / "train-labels-idx1-ubyte.gz").write_bytes(test_labels)
    found = r"\(30 images\) and .*train-labels.* \(10 labels\) do not belong together"
    with pytest.raises(ValueError, match=found):
        data.load_fashion_mnist(directory=tiny_dataset_dir)


def test_training_and_test_files_swapped(tiny_dataset_dir):
    for kind in ("images-idx3", "labels-idx1"):
        train = tiny_dataset_dir / f"train-{kind}-ubyte.gz"
        test = tiny_dataset_dir / f"t10k-{kind}-ubyte.gz"
        train_bytes, test_bytes = train.read_bytes(), test.read_bytes()
        train.write_bytes(test_bytes)
        test.write_bytes(train_bytes)
    found = r"fewer examples \(10\) than the test files \(30\).*look swapped"
    with pytest.raises(ValueError, match=found):
        data.load_fashion_mnist(directory=tiny_dataset_dir)


def test_a_download_that_saved_an_error_page_names_the_file(isolated, monkeypatch):
    import keras

    cache = isolated / "keras_home" / "datasets" / "fashion-mnist"

    def fake_download():
        cache.mkdir(parents=True)
        for name in data._FILES.values():
            (cache / name).write_bytes(b"<html><body>Proxy error</body></html>")
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fake_download)
    with pytest.raises(ValueError, match="is a web page") as error:
        data.load_fashion_mnist()
    assert str(cache) in str(error.value) and "downloaded again" in str(error.value)


def test_a_failed_download_without_files_explains_how_to_get_the_data(isolated, monkeypatch):
    import keras

    def no_network():
        raise OSError("Name or service not known")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", no_network)
    with pytest.raises(FileNotFoundError, match="Name or service not known"):
        data.load_fashion_mnist()


@pytest.mark.parametrize(
    "images, found",
    [
        (np.full((4, 28, 28), 0.5, np.float32), "look already scaled to"),
        (np.full((4, 28, 28), 200.0, np.float32), r"pass images.astype\('uint8'\)"),
        (np.full((4, 28, 28), 300, np.int64), r"outside the grey levels 0..255"),
        (np.full((4, 28, 28), True), "dtype bool"),
    ],
)
def test_pipeline_rejects_images_that_are_not_uint8_grey_levels(images, found):
    with pytest.raises(ValueError, match=f"`images` must be uint8.*{found}"):
        data.make_dataset(images, np.arange(4))
    with pytest.raises(ValueError, match=f"`images` must be uint8.*{found}"):
        data.preprocess(images)


@pytest.mark.parametrize(
    "labels, found",
    [
        (np.arange(4.0), "be integers"),
        (np.array([0, 1, 2, 10]), "from 0 to 10"),
        (np.array([-1, 1, 2, 3]), "from -1 to 3"),
        (np.eye(10, dtype="int64")[:4], "not one-hot"),
    ],
)
def test_every_public_function_rejects_labels_that_are_not_classes(labels, found):
    images = np.zeros((4, 28, 28), np.uint8)
    for call in (
        lambda: data.make_dataset(images, labels),
        lambda: data.subset(images, labels, 2),
        lambda: data.train_validation_split(images, labels),
    ):
        with pytest.raises(ValueError, match=f"`labels` must.*{found}"):
            call()


def test_preprocess_checks_shapes_and_sizes():
    with pytest.raises(ValueError, match="`images` is empty"):
        data.preprocess(np.zeros((0, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="`images` must have 1 or 3 channels"):
        data.preprocess(np.zeros((2, 28, 28, 2), np.uint8), channels=3)
    with pytest.raises(ValueError, match="`image_size`"):
        data.preprocess(np.zeros((2, 28, 28), np.uint8), image_size=20)
    import tensorflow as tf

    with pytest.raises(ValueError, match="`images` must be a uint8 tensor"):
        data.preprocess(tf.zeros((2, 28, 28)))
    assert data.preprocess(tf.zeros((2, 28, 28), tf.uint8), image_size=32).shape == (2, 32, 32, 1)
