# Used by scripts/test: install (once) and start an S3-compatible server for the S3 artifact store
# tests, on a free loopback port, and stop it. Source it, then call s3_start and s3_stop.
# The server is moto's S3 behind a gate that checks signatures and expiry (scripts/s3-test-server.py).
# After s3_start: CONVEYOR_TEST_S3_ENDPOINT, _REGION, _ACCESS_KEY and _SECRET_KEY are exported.

S3_VENV="${S3_VENV:-$PWD/.venv-tools}"

# Installs moto[server] into ./.venv-tools unless it is already there.
s3_install() {
  if [ -x "$S3_VENV/bin/python" ] && "$S3_VENV/bin/python" -c 'import moto.moto_server.werkzeug_app, botocore' 2>/dev/null; then
    return 0
  fi
  echo "installing moto[server] into $S3_VENV (once)" >&2
  python3 -m venv "$S3_VENV" || { echo "could not create a virtualenv: install python3 with its venv module" >&2; return 1; }
  "$S3_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]" >&2 \
    || { echo "could not install moto[server] from PyPI into $S3_VENV" >&2; return 1; }
}

s3_start() {
  s3_install || return 1
  S3_PORT=$("$S3_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  S3_ACCESS_KEY="conveyor-test"
  S3_SECRET_KEY=$("$S3_VENV/bin/python" -c 'import secrets; print(secrets.token_hex(20))')
  S3_LOG=$(mktemp /tmp/conveyor-s3.XXXXXX)
  "$S3_VENV/bin/python" scripts/s3-test-server.py --host 127.0.0.1 --port "$S3_PORT" \
    --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" --region us-east-1 >"$S3_LOG" 2>&1 &
  S3_PID=$!
  # Wait until it answers HTTP (an unsigned request gets 403, which is an answer), or gives up.
  if ! "$S3_VENV/bin/python" - "$S3_PORT" "$S3_PID" <<'PY'
import os, sys, time, urllib.error, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the S3 test server exited")
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the S3 test server did not answer within 60 s")
PY
  then
    cat "$S3_LOG" >&2
    return 1
  fi
  export CONVEYOR_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export CONVEYOR_TEST_S3_REGION="us-east-1"
  export CONVEYOR_TEST_S3_ACCESS_KEY="$S3_ACCESS_KEY"
  export CONVEYOR_TEST_S3_SECRET_KEY="$S3_SECRET_KEY"
  echo "S3 test server (moto $("$S3_VENV/bin/python" -c 'import moto; print(moto.__version__)')) on $CONVEYOR_TEST_S3_ENDPOINT" >&2
}

s3_stop() {
  if [ -n "${S3_PID:-}" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    rm -f "$S3_LOG"
    S3_PID=""
  fi
}
