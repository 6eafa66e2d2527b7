"""convnet_lib: the small shared library behind the Notable ConvNet Architectures III notebooks.

Modules:
    models      registry of model builders (`build_model`, `available_models`) and the
                architectures taught in the notebooks.
    complexity  parameter and FLOP counting, per-layer tables, latency measurement.
    data        offline-first Fashion-MNIST loading and tf.data pipelines.
    training    the quick/full switch, seeding and the tf.distribute strategy helper.
    plotting    one consistent figure style and the plots the notebooks share.
    weights     copying weights between two builds of the same architecture.
"""

__version__ = "0.1.0"
