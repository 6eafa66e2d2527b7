#!/usr/bin/env bash
# Runs the unit tests (not the notebooks, not the slow full-size builds) against the lowest
# versions the project claims: creates .venv-lowest with requirements-lowest.txt, installs
# the project into it without its dependencies, and runs pytest. Extra arguments go to pytest.
# Needs a Python that TensorFlow 2.16 supports (3.9 to 3.12); set PYTHON to choose one.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv-lowest/bin/python ]; then
    "$PYTHON" -m venv .venv-lowest
fi
stamp=.venv-lowest/.requirements-installed
if [ ! -f "$stamp" ] || ! cmp -s requirements-lowest.txt "$stamp"; then
    .venv-lowest/bin/python -m pip install --quiet --upgrade pip
    .venv-lowest/bin/python -m pip install --quiet -r requirements-lowest.txt
    .venv-lowest/bin/python -m pip install --quiet --no-deps -e .
    cp requirements-lowest.txt "$stamp"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export MPLBACKEND=Agg
.venv-lowest/bin/python -c 'import keras, numpy, pandas, matplotlib, tensorflow as tf
print(f"lowest versions: TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy "
      f"{numpy.__version__}, pandas {pandas.__version__}, matplotlib {matplotlib.__version__}")'
exec .venv-lowest/bin/python -m pytest tests -m "not slow" -p no:cacheprovider "$@"
