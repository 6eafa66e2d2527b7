#!/usr/bin/env bash
# Sets up the environment (first run: a few minutes) and opens JupyterLab on notebooks/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
exec .venv/bin/jupyter lab notebooks/ "$@"
