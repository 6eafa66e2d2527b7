#!/usr/bin/env bash
# Sets up the environment and runs every test: the unit tests and, through nbval, every
# notebook (executed top to bottom in quick mode; outputs of `# NBVAL_CHECK_OUTPUT` cells
# are compared with the stored ones). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
export CONVNET_QUICK="${CONVNET_QUICK:-1}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export MPLBACKEND=Agg
exec .venv/bin/python -m pytest tests notebooks \
    --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
    -p no:cacheprovider "$@"
