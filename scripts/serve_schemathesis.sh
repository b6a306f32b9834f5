#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI, installed into $SERVE_VENV when missing) generates requests from
# docs/openapi.yaml, sends them to a running `attend serve`, and checks every answer against the spec:
# no 5xx, statuses and bodies as documented, Content-Types as documented.
# Usage: scripts/serve_schemathesis.sh [max examples per operation, default 50]
set -euo pipefail
source "$(dirname "$0")/serve_common.sh"
EXAMPLES="${1:-50}"
ensure_venv "schemathesis=schemathesis"
start_server --model "${ATTEND_SERVE_MODEL:-shapes}" --beam 1
echo "attend serve on 127.0.0.1:$PORT (log: $SERVER_LOG)"
# positive_data_acceptance is left out on purpose: the spec's bodies are `format: binary`, so any bytes are
# schema-valid, yet only a real JPEG or PNG is an image; random bytes rightly get 400/415.
# From a scratch folder: schemathesis keeps a .schemathesis/ cache in the current one.
(cd "$(mktemp -d)" && "$SERVE_VENV/bin/schemathesis" run "$ROOT/docs/openapi.yaml" --url "http://127.0.0.1:$PORT" \
    --checks all --exclude-checks positive_data_acceptance --max-examples "$EXAMPLES" \
    --phases examples,coverage,fuzzing --seed 1 --no-color)
if grep -Eq '\] [A-Z]+ [^ ]+ 5[0-9]{2} ' "$SERVER_LOG"; then
    echo "the server answered a 5xx:" >&2
    grep -E '\] [A-Z]+ [^ ]+ 5[0-9]{2} ' "$SERVER_LOG" >&2
    exit 1
fi
echo "server log: $(grep -c 'info attend.serve' "$SERVER_LOG") requests, no 5xx"
