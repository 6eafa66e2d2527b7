"""The one cache: folder rule, stale keys, atomic writes, unreadable entries recomputed."""

import json

import keras
import numpy as np
import pytest

from convnet_lib import cache
from convnet_lib.models import build_model


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(tmp_path))
    return tmp_path


def test_cache_dir_follows_the_environment_variable(cache_root, monkeypatch):
    assert cache.cache_dir("complexity") == cache_root / "complexity"
    monkeypatch.delenv(cache.CACHE_ENV_VAR)
    assert cache.cache_dir("x").parts[-2:] == ("convnet_lib", "x")
    with pytest.raises(ValueError, match="folder='a/b'"):
        cache.cache_dir("a/b")


def test_entry_names_change_with_settings_and_software(monkeypatch):
    stem = cache.entry_stem("counts", {"size": 224})
    assert stem.startswith("counts-")
    assert cache.entry_stem("counts", {"size": 224}) == stem
    assert cache.entry_stem("counts", {"size": 299}) != stem
    monkeypatch.setattr(keras, "__version__", "3.10.0")
    assert cache.entry_stem("counts", {"size": 224}) != stem
    with pytest.raises(ValueError, match="name='../x'"):
        cache.entry_stem("../x", {})
    with pytest.raises(ValueError, match="settings"):
        cache.entry_stem("x", [1])


def test_load_or_compute_caches_and_refreshes(cache_root):
    calls = []

    def compute():
        calls.append(1)
        return {"flops": 42}

    assert cache.load_or_compute("counts", "m", {"a": 1}, compute) == ({"flops": 42}, False)
    assert cache.load_or_compute("counts", "m", {"a": 1}, compute) == ({"flops": 42}, True)
    assert len(calls) == 1
    assert cache.load_or_compute("counts", "m", {"a": 2}, compute)[1] is False
    assert cache.load_or_compute("counts", "m", {"a": 1}, compute, refresh=True)[1] is False
    assert len(calls) == 3
    with pytest.raises(ValueError, match="compute"):
        cache.load_or_compute("counts", "m", {}, None)


def test_an_unreadable_entry_is_reported_and_recomputed(cache_root, capsys):
    value, _ = cache.load_or_compute("counts", "m", {}, lambda: [1, 2])
    (entry,) = (cache_root / "counts").glob("m-*.json")
    entry.write_text('{"value": [1, 2')  # a cell stopped half-way through writing
    value, from_cache = cache.load_or_compute("counts", "m", {}, lambda: [1, 2])
    assert (value, from_cache) == ([1, 2], False)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "could not read" in out and "computing again" in out
    assert json.loads(entry.read_text())["value"] == [1, 2]


def test_writes_are_atomic(cache_root):
    target = cache_root / "x" / "entry.json"

    with pytest.raises(RuntimeError):
        with cache.atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("disk full")
    assert not target.exists() and list(target.parent.iterdir()) == []
    cache.write_json(target, {"ok": True})
    assert json.loads(target.read_text()) == {"ok": True}


@pytest.fixture(scope="module")
def tiny():
    keras.utils.set_random_seed(0)
    return build_model("baseline_cnn", input_shape=(8, 8, 1), classes=3, widths=(4, 6))


def test_load_or_train_caches_loads_and_heals(cache_root, tiny, capsys):
    calls = []

    def train():
        calls.append(1)
        return tiny, {"loss": [np.float32(2.0), 1.0]}

    model, history, trained = cache.load_or_train("tiny", {"seed": 0}, train)
    assert trained and model is tiny and history == {"loss": [2.0, 1.0]}
    loaded, history, trained = cache.load_or_train("tiny", {"seed": 0}, train)
    assert not trained and len(calls) == 1 and history == {"loss": [2.0, 1.0]}
    images = np.ones((2, 8, 8, 1), "float32")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), tiny.predict(images, verbose=0),
                               atol=1e-6)
    # A model saved by another Keras version is never picked up: the key changes.
    (model_file,) = (cache_root / "models").glob("tiny-*.keras")
    # A truncated model file (a stopped cell) is reported in one line and trained again.
    model_file.write_bytes(model_file.read_bytes()[:100])
    _, _, trained = cache.load_or_train("tiny", {"seed": 0}, train)
    assert trained and len(calls) == 2
    assert "could not read" in capsys.readouterr().out
    _, _, trained = cache.load_or_train("tiny", {"seed": 0}, train, refresh=True)
    assert trained and len(calls) == 3
    with pytest.raises(ValueError, match="train"):
        cache.load_or_train("bad", {}, lambda: ("model", {}))
    with pytest.raises(ValueError, match="refresh"):
        cache.load_or_train("tiny", {}, train, refresh=1)


def test_file_stem_makes_any_name_a_safe_entry_name():
    assert cache.file_stem("SE-ResNeXt-50 (32x4d)") == "SE-ResNeXt-50__32x4d"
    assert cache.file_stem("../etc/passwd") == "etc_passwd"
    assert cache.file_stem("???") == "entry"
    cache.entry_stem(cache.file_stem("a b/c"), {})  # accepted by the entry-name check
