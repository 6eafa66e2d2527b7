"""pytest configuration shared by the unit tests and nbval.

- Puts the repository root on sys.path so `convnet_lib` and `tests.*` import without install.
- nbval: stderr is never compared (TensorFlow logs there), only the outputs of cells
  marked `# NBVAL_CHECK_OUTPUT` are (lax mode).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
