"""The one cache of machine-made results: trained models, counts, result files.

- One folder rule: `$CONVNET_CACHE_DIR/<folder>`, else `~/.cache/convnet_lib/<folder>`,
  outside the repository (large, machine-made; deleting it only costs time).
- Keys that go stale: every entry's file name carries a digest of what can make it unreadable
  or wrong: the versions of Keras, TensorFlow, NumPy and convnet_lib, the cache format, and
  the caller's settings (data, recipe, seed, quick/full). A run on another Keras version
  never picks up a model saved by this one.
- Atomic writes: an entry is written to a temporary file in the same folder and renamed into
  place, so a stopped cell or a full disk leaves no half-written entry under the real name.
- Load-or-compute: an entry that is there but cannot be read is reported in one line,
  removed and computed again.
"""

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

CACHE_ENV_VAR = "CONVNET_CACHE_DIR"
DEFAULT_CACHE_DIR = "~/.cache/convnet_lib"
CACHE_FORMAT = "4"  # 4: each seed trains on its own freshly shuffled pipeline
_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def file_stem(text):
    """`text` made safe as a cache file name stem: letters, digits, '_', '-' and '.' only
    ("SE-ResNeXt-50 (32x4d)" -> "SE-ResNeXt-50__32x4d")."""
    stem = "".join(c if c.isalnum() or c in "_-." else "_" for c in str(text)).strip("._-")
    return stem or "entry"


def cache_dir(folder):
    """Where one kind of result is cached: $CONVNET_CACHE_DIR/<folder>, else
    ~/.cache/convnet_lib/<folder>."""
    if not isinstance(folder, str) or not _STEM.match(folder):
        raise ValueError(
            "`folder` must be a plain folder name (letters, digits, '_', '-', '.'). "
            f"Received: folder={folder!r}"
        )
    root = os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR
    return Path(root).expanduser() / folder


def software_versions():
    """The versions an entry depends on (Keras, TensorFlow, NumPy, convnet_lib, cache format)."""
    import keras
    import numpy as np

    import convnet_lib

    try:
        import tensorflow as tf

        tensorflow_version = tf.__version__
    except ImportError:  # another Keras backend
        tensorflow_version = "none"
    return {
        "keras": keras.__version__,
        "tensorflow": tensorflow_version,
        "numpy": np.__version__,
        "convnet_lib": convnet_lib.__version__,
        "cache format": CACHE_FORMAT,
    }


def entry_stem(name, settings):
    """File name stem of an entry: `<name>-<digest of settings and software versions>`.

    `settings` is a JSON-serialisable dict of everything (besides the software versions)
    that changes the result: data size, recipe, seed, quick/full mode, input size...
    """
    if not isinstance(name, str) or not _STEM.match(name):
        raise ValueError(
            "`name` must be a file name stem of letters, digits, '_', '-' and '.'. "
            f"Received: name={name!r}"
        )
    if not isinstance(settings, dict):
        raise ValueError(
            f"`settings` must be a dict of what changes the result. Received: settings={settings!r}"
        )
    try:
        text = json.dumps({"settings": settings, "software": software_versions()},
                          sort_keys=True, default=str)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`settings` must be JSON-serialisable. Received: settings={settings!r} ({error})"
        ) from None
    return f"{name}-{hashlib.sha1(text.encode()).hexdigest()[:16]}"


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it to `path` only if the block succeeds.

    The temporary name keeps `path`'s suffix (Keras chooses the format from it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}"
    )
    os.close(handle)
    os.remove(temporary)  # writers such as keras' save() want to create the file themselves
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_json(path, value):
    """Writes `value` as JSON to `path` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(value, indent=1, sort_keys=True))


def _report_unreadable(paths, error):
    names = ", ".join(str(path) for path in paths)
    print(
        f"cache: could not read {names} ({type(error).__name__}: {str(error)[:120]}); "
        "removed it and computing again."
    )
    for path in paths:
        with contextlib.suppress(OSError):
            os.remove(path)


def load_or_compute(folder, name, settings, compute, refresh=False):
    """Returns the cached JSON result for (name, settings), or `compute()` and caches it.

    Args:
        folder: cache sub-folder (see `cache_dir`).
        name: readable part of the file name.
        settings: dict of everything that changes the result (see `entry_stem`).
        compute: function without arguments returning a JSON-serialisable value.
        refresh: True to compute again and overwrite the entry.

    Returns:
        (value, from_cache): `from_cache` is False when `compute()` ran.
    """
    if not callable(compute):
        raise ValueError(f"`compute` must be a function. Received: compute={compute!r}")
    if not isinstance(refresh, bool):
        raise ValueError(f"`refresh` must be True or False. Received: refresh={refresh!r}")
    path = cache_dir(folder) / f"{entry_stem(name, settings)}.json"
    if path.is_file() and not refresh:
        try:
            return json.loads(path.read_text())["value"], True
        except (OSError, ValueError, KeyError, TypeError) as error:
            _report_unreadable([path], error)
    value = compute()
    write_json(path, {"name": name, "settings": settings, "value": value})
    return value, False


def load_or_train(name, settings, train, refresh=False, folder="models"):
    """Returns a cached trained Keras model and its history, or trains and caches them.

    The model is stored as `<stem>.keras` and its history as `<stem>.json` (written last, so
    its presence marks a complete entry), where the stem digests `settings` and the software
    versions (see `entry_stem`): put everything that changes the trained model into
    `settings` (model name, data size, recipe, seed, quick/full).

    Args:
        name: readable part of the file names, e.g. "xception_mini-seed0".
        settings: dict of everything that changes the trained model.
        train: function without arguments returning (model, history), where history is a
            Keras History or its `.history` dict.
        refresh: True to train even when a cached model exists (and overwrite it).
        folder: cache sub-folder.

    Returns:
        (model, history dict, trained): `trained` is False when the model was loaded.
    """
    import keras

    if not callable(train):
        raise ValueError(f"`train` must be a function. Received: train={train!r}")
    if not isinstance(refresh, bool):
        raise ValueError(f"`refresh` must be True or False. Received: refresh={refresh!r}")
    stem = entry_stem(name, settings)
    directory = cache_dir(folder)
    model_path = directory / f"{stem}.keras"
    history_path = directory / f"{stem}.json"
    if not refresh and model_path.is_file() and history_path.is_file():
        try:
            history = json.loads(history_path.read_text())["history"]
            model = keras.models.load_model(model_path)
            return model, history, False
        except Exception as error:  # noqa: BLE001 (reported in one line, then recomputed)
            _report_unreadable([model_path, history_path], error)
    model, history = train()
    history = getattr(history, "history", history)
    if not isinstance(model, keras.Model) or not isinstance(history, dict):
        raise ValueError(
            "`train()` must return (keras.Model, History or dict). "
            f"Received: ({type(model).__name__}, {type(history).__name__})"
        )
    history = {key: [float(v) for v in values] for key, values in history.items()}
    with atomic_path(model_path) as temporary:
        model.save(temporary)
    write_json(history_path, {"name": name, "settings": settings, "history": history})
    return model, history, True
