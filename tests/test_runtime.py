"""The quick/full switch, seeding, the distribution strategy and the environment report."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from convnet_lib import runtime


@pytest.mark.parametrize("value, quick", [("1", True), ("true", True), ("0", False), ("", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, quick):
    monkeypatch.setenv(runtime.QUICK_ENV_VAR, value)
    assert runtime.quick_mode() is quick
    assert runtime.choose(full=10, quick=1) == (1 if quick else 10)


def test_full_run_is_the_default(monkeypatch):
    monkeypatch.delenv(runtime.QUICK_ENV_VAR, raising=False)
    assert runtime.quick_mode() is False


def test_unreadable_switch_is_an_error(monkeypatch):
    monkeypatch.setenv(runtime.QUICK_ENV_VAR, "sometimes")
    with pytest.raises(ValueError, match="CONVNET_QUICK='sometimes'"):
        runtime.quick_mode()


def test_set_seed_makes_initialisation_repeatable():
    def weights():
        runtime.set_seed(7)
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        return layer.kernel

    first, second = weights(), weights()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(first), keras.ops.convert_to_numpy(second))
    with pytest.raises(ValueError, match="seed=-1"):
        runtime.set_seed(-1)


def test_single_device_gets_the_default_strategy():
    import tensorflow as tf

    strategy = runtime.distribution_strategy()
    assert strategy.num_replicas_in_sync == 1
    assert isinstance(strategy, type(tf.distribute.get_strategy()))
    with pytest.raises(ValueError, match="device_type='TPU'"):
        runtime.distribution_strategy(device_type="TPU")


def test_mirrored_strategy_trains_on_two_logical_cpus():
    # Logical devices must be configured before TensorFlow starts, so in a fresh process.
    script = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf, keras
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from convnet_lib import runtime
        strategy = runtime.distribution_strategy(device_type="CPU")
        assert type(strategy).__name__ == "MirroredStrategy", type(strategy)
        assert strategy.num_replicas_in_sync == 2
        runtime.set_seed(0)
        with strategy.scope():
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
            model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
        x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
        y = (x[:, 0] > 0).astype("int64")
        history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
        print("replicas", strategy.num_replicas_in_sync, "accuracy", history.history["accuracy"][-1])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas 2" in result.stdout


def test_print_environment_names_versions_and_mode(capsys, monkeypatch):
    monkeypatch.setenv(runtime.QUICK_ENV_VAR, "1")
    runtime.print_environment()
    out = capsys.readouterr().out
    assert f"keras: {keras.__version__}" in out
    assert "run: quick (CONVNET_QUICK=1)" in out
