"""Fixtures shared by the model tests: each model is built once per test module."""

import keras
import pytest

from convnet_lib.models import build_model


@pytest.fixture(scope="module")
def build_once():
    """`build_once(name, **options)` is `build_model(name, **options)`, remembered for the
    rest of the test module, so several tests can inspect one full-size build. Models are
    shared: a test that changes weights must not rely on their values elsewhere."""
    built = {}

    def build(name, **options):
        key = (name, repr(sorted(options.items())))
        if key not in built:
            built[key] = build_model(name, **options)
        return built[key]

    yield build
    built.clear()
    keras.backend.clear_session()
