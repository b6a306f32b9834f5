#!/usr/bin/env bash
# The page in a real browser: headless Chromium (Debian's chromium and chromium-driver, installed when missing)
# driven by Selenium (PyPI, into $SERVE_VENV when missing) against a running `attend serve`.
# Usage: scripts/serve_browser_test.sh [image, default samples/scene-01.png] (ATTEND_SERVE_MODEL: default shapes,
# the model of the synthetic sample scenes)
# Writes docs/serve-page.png (desktop) and docs/serve-page-phone.png (390 px wide).
set -euo pipefail
source "$(dirname "$0")/serve_common.sh"
IMAGE="${1:-$ROOT/samples/scene-01.png}"
missing=""
for p in chromium chromium-driver; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
ensure_venv "selenium=selenium"
start_server --model "${ATTEND_SERVE_MODEL:-shapes}"
"$SERVE_VENV/bin/python" "$ROOT/scripts/serve_browser_test.py" "http://127.0.0.1:$PORT/" "$IMAGE" "$ROOT/docs"
