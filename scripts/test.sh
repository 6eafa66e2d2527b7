#!/usr/bin/env bash
# Sets up the environment and runs every test: the unit tests and, through nbval, every
# notebook (executed top to bottom in quick mode; outputs of `# NBVAL_CHECK_OUTPUT` cells
# are compared with the stored ones). Extra arguments go to pytest.
#
#   scripts/test.sh            every test, the full-size model builds included (CI)
#   scripts/test.sh --quick    the quick suite: leaves out the tests marked `slow` (the
#                              exact counts of ~90 full-size ImageNet models)
set -euo pipefail
cd "$(dirname "$0")/.."
selection=()
if [ "${1:-}" = "--quick" ]; then
    shift
    selection=(-m "not slow")
fi
scripts/setup_env.sh
export CONVNET_QUICK="${CONVNET_QUICK:-1}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export MPLBACKEND=Agg
# Two worker processes (CONVNET_TEST_WORKERS=0 runs everything in this one): each takes
# whole files, so a notebook's cells run in order in one kernel. Notebooks go first: they
# are the longest files, and starting them first keeps both workers busy to the end.
exec .venv/bin/python -m pytest notebooks tests \
    --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
    -n "${CONVNET_TEST_WORKERS:-2}" --dist loadfile -p no:cacheprovider "${selection[@]}" "$@"
