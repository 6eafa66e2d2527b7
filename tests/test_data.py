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
    images = np.zeros((100, 28, 28), dtype=np.uint8)
    labels = np.arange(100)

    def epoch_labels(seed):
        dataset = data.make_dataset(images, labels, batch_size=10, shuffle=True, seed=seed)
        return np.concatenate([y.numpy() for _, y in dataset])

    first = epoch_labels(3)
    assert sorted(first) == list(range(100))
    # Examples from different original batches of 10 are mixed within one batch.
    assert len({int(v) // 10 for v in first[:10]}) > 1
    np.testing.assert_array_equal(first, epoch_labels(3))


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
