#!/usr/bin/env bash
# Creates .venv and installs healthplan with its pinned dependencies (and the test extras).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip==25.3"
.venv/bin/python -m pip install -q -e ".[test]"
