"""convnet_lib: the small shared library behind the Notable ConvNet Architectures III notebooks.

One module per concern (a newcomer finds where a change goes from the names alone):

    models          the registry (`build_model`, `model_info`, `available_models`) and the
                    architectures, one module per family.
    weights         copying weights between two builds of the same architecture.
    complexity      counting one model: parameters, FLOPs (checked against TensorFlow's
                    profiler), per-layer tables, latency.
    accuracy_table  the table of published ImageNet accuracies and its checks.
    comparison      counting many models for the accuracy/complexity views; Pareto
                    frontiers and accuracy density.
    data            offline-first Fashion-MNIST loading and tf.data pipelines.
    runtime         the quick/full switch, seeds, devices, the environment report.
    training        the one training recipe, the multi-seed runner, the baseline result.
    metrics         accuracy, per-class metrics, paired comparisons with intervals.
    ensembles       combining trained classifiers: averaging, voting, weights, fusion.
    cache           the one cache of machine-made results (models, counts, result files).
    plotting        every figure, in one style.
    exercises       checks for the chapters' exercises.
"""

__version__ = "0.2.0"
