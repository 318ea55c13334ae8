# Used by scripts/test: runs schemathesis (installed once into ./.venv-tools) against a live
# `conveyor serve` on the test PostgreSQL, and fails unless at least API_FUZZ_MIN_REQUESTS generated
# requests were sent, none answered 5xx, and every answer conforms to the served OpenAPI document
# (status, content type, headers, body schema). Source it, then call api_fuzz after pg_start.

API_FUZZ_VENV="${API_FUZZ_VENV:-$PWD/.venv-tools}"
API_FUZZ_MIN_REQUESTS="${API_FUZZ_MIN_REQUESTS:-500}"

# Installs schemathesis into ./.venv-tools unless it is already there.
api_fuzz_install() {
  if [ -x "$API_FUZZ_VENV/bin/schemathesis" ]; then
    return 0
  fi
  echo "installing schemathesis into $API_FUZZ_VENV (once)" >&2
  [ -x "$API_FUZZ_VENV/bin/python" ] || python3 -m venv "$API_FUZZ_VENV" \
    || { echo "could not create a virtualenv: install python3 with its venv module" >&2; return 1; }
  "$API_FUZZ_VENV/bin/pip" install -q --disable-pip-version-check schemathesis >&2 \
    || { echo "could not install schemathesis from PyPI into $API_FUZZ_VENV" >&2; return 1; }
}

api_fuzz() {
  api_fuzz_install || return 1
  local conveyor=".build/debug/conveyor"
  local work
  work=$(mktemp -d /tmp/conveyor-fuzz.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  export CONVEYOR_DATABASE_URL="$PG_URL" CONVEYOR_SCHEMA="api_fuzz"
  export CONVEYOR_SIGNING_KEY="api-fuzz-signing-key-0123456789abcdef" CONVEYOR_ARTIFACTS_DIR="$work/artifacts"
  "$conveyor" migrate >/dev/null || return 1
  local token
  token=$("$conveyor" tokens create --owner fuzz --role admin 2>/dev/null) || return 1
  # The rate limit is tested on its own; here it would only turn requests into 429s.
  "$conveyor" serve --port "$port" --create-rate 1000000 --create-burst 1000000 --log-level error \
    >"$work/serve.log" 2>&1 &
  local serve_pid=$!
  local base="http://127.0.0.1:$port"
  local ready=""
  for _ in $(seq 1 300); do
    if curl -fsS "$base/readyz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "api fuzz: conveyor serve did not become ready" >&2
    cat "$work/serve.log" >&2
    kill "$serve_pid" 2>/dev/null || true
    return 1
  fi
  local rc=0
  "$API_FUZZ_VENV/bin/schemathesis" run "$base/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples 120 --workers 2 --seed 7 \
    --generation-database none --no-color --output-sanitize true \
    --exclude-operation-id streamJobEvents \
    --report vcr --report-vcr-path "$work/cassette.yaml" || rc=$?
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  unset CONVEYOR_DATABASE_URL CONVEYOR_SCHEMA CONVEYOR_SIGNING_KEY CONVEYOR_ARTIFACTS_DIR
  local requests
  requests=$(grep -c '^- id:' "$work/cassette.yaml" 2>/dev/null || echo 0)
  echo "api fuzz: schemathesis sent $requests requests" >&2
  if [ "$rc" -ne 0 ]; then
    echo "api fuzz: schemathesis found failures (server log below)" >&2
    tail -50 "$work/serve.log" >&2
    rm -rf "$work"
    return 1
  fi
  rm -rf "$work"
  if [ "$requests" -lt "$API_FUZZ_MIN_REQUESTS" ]; then
    echo "api fuzz: fewer than $API_FUZZ_MIN_REQUESTS requests were generated" >&2
    return 1
  fi
}
