#!/usr/bin/env bash
# Builds every chapter notebook into a reveal.js lecture deck: slides/NN_name.slides.html
# (or the folder given as the first argument). The folder is self-contained and opens
# offline: reveal.js and MathJax come from the npm registry (npm ci, package-lock.json) and
# are copied next to the decks. Uses the notebooks' stored outputs; nothing is executed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
npm ci --no-audit --no-fund --loglevel=error
exec .venv/bin/python scripts/build_slides.py "$@"
