#!/usr/bin/env bash
# Measures Yiwang's client-credentials issuance side by side with node oidc-provider (npm, a
# certified OpenID Provider) on this machine, with the same load generator in the same run:
# installs oidc-provider into a temporary directory, starts it, and runs `yiwang bench` with
# it as the baseline. Needs node and npm; builds the release binary if missing.
#
# NODE_TOKEN_FORMAT=opaque (default: its default opaque tokens in its in-memory store, as the
# issue measured it) or jwt (RS256-signed JWT access tokens, the same work Yiwang does).
#
# Usage: [NODE_TOKEN_FORMAT=jwt] scripts/bench-vs-node-oidc-provider.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/yiwang
[ -x "$BIN" ] || cargo build --release -p yiwang
WORK="$(mktemp -d)"
NODE_PID=""
trap '[ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
(cd "$WORK" && npm install --silent --no-audit --no-fund oidc-provider@9 >/dev/null)
cp scripts/node-oidc-provider.mjs "$WORK/"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FORMAT="${NODE_TOKEN_FORMAT:-opaque}"
case "$FORMAT" in
  opaque) EXTRA="" ;;
  jwt) EXTRA="scope=api" ;;
  *) echo "NODE_TOKEN_FORMAT must be opaque or jwt" >&2; exit 2 ;;
esac
TOKEN_FORMAT="$FORMAT" NODE_ENV=production node "$WORK/node-oidc-provider.mjs" "$PORT" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/.well-known/openid-configuration" >/dev/null && break
  sleep 0.1
done
echo "node $(node --version), oidc-provider $(node -p "require('$WORK/node_modules/oidc-provider/package.json').version"), $FORMAT access tokens"
"$BIN" bench "$@" --baseline-url "http://127.0.0.1:$PORT/token" \
  --baseline-client bench:bench-secret --baseline-extra "$EXTRA"
