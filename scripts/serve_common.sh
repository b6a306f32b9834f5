#!/usr/bin/env bash
# Shared by the scripts/serve_*.sh: find the binary, start `attend serve` on a free loopback port, stop it.
# Source it; then `start_server [serve flags...]` sets SERVER_PID and PORT, and the server stops on exit.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A venv outside the repository for the Python test tools (schemathesis, selenium).
SERVE_VENV="${SERVE_VENV:-$ROOT/../venv-serve}"

attend_binary() {
    if [ -n "${ATTEND_BIN:-}" ]; then echo "$ATTEND_BIN"; return; fi
    for config in release debug; do
        if [ -x "$ROOT/.build/$config/attend" ]; then echo "$ROOT/.build/$config/attend"; return; fi
    done
    echo "no attend binary: run 'make build' or set ATTEND_BIN" >&2
    exit 1
}

# A real photo when the Flickr8k data is on this machine (the first test-split image), else the sample scene.
sample_image() {
    local data="${FLICKR8K:-$ROOT/../shared/data/flickr8k}"
    if [ -f "$data/Flickr_8k.testImages.txt" ]; then
        local first
        first="$(head -1 "$data/Flickr_8k.testImages.txt" | tr -d '\r')"
        if [ -f "$data/images/$first" ]; then echo "$data/images/$first"; return; fi
    fi
    echo "$ROOT/samples/scene-01.png"
}

ensure_venv() {
    [ -x "$SERVE_VENV/bin/python" ] || python3 -m venv "$SERVE_VENV"
    local missing=()
    for module_package in "$@"; do
        "$SERVE_VENV/bin/python" -c "import ${module_package%%=*}" 2>/dev/null || missing+=("${module_package#*=}")
    done
    if [ ${#missing[@]} -gt 0 ]; then "$SERVE_VENV/bin/pip" install -q "${missing[@]}"; fi
}

SERVER_LOG="$(mktemp /tmp/attend-serve-XXXXXX.log)"
start_server() {
    local binary
    binary="$(attend_binary)"
    "$binary" serve --host 127.0.0.1 --port 0 "$@" 2>"$SERVER_LOG" &
    SERVER_PID=$!
    trap stop_server EXIT
    for _ in $(seq 1 300); do
        PORT="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$SERVER_LOG" | head -1)"
        [ -n "$PORT" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; exit 1; }
        sleep 0.1
    done
    echo "attend serve did not start within 30 s" >&2
    exit 1
}

stop_server() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -f "$SERVER_LOG"
}
