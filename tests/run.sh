#!/usr/bin/env bash
# The test command (README "Run the tests"; CI runs exactly this).
# Installs what the tests need (setup.sh dev: as root Debian's chromium and CJK fonts for the
# browser tests, and the Python test tools), then lints and runs the whole suite on SQLite and
# on a real PostgreSQL server that the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash setup.sh dev
python3 -m ruff check .
python3 -m pytest "$@"
