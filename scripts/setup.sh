#!/usr/bin/env bash
# Creates .venv and installs healthplan with its pinned dependencies (and the test extras).
set -euo pipefail
cd "$(dirname "$0")/.."

# A Chinese font for report charts and PDFs (中文字体): without one, Chinese shows as empty boxes.
# Debian's fonts-wqy-zenhei (WenQuanYi Zen Hei, TrueType, which reportlab can embed) when none is present.
if ! { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; } \
    && ! ls /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing a Chinese font for reports (fonts-wqy-zenhei)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei fontconfig
  else
    echo "WARNING: no Chinese (CJK) font found: report charts and PDFs will show empty boxes instead of Chinese." >&2
    echo "         Install one, e.g. 'sudo apt-get install fonts-wqy-zenhei' (Debian/Ubuntu)," >&2
    echo "         or set HEALTHPLAN_CJK_FONT=/path/to/a-cjk-font.ttf" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip==25.3"
.venv/bin/python -m pip install -q -e ".[test]"
