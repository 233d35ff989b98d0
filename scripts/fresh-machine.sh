#!/usr/bin/env bash
# The README's two fresh-machine commands: `bash scripts/fresh-machine.sh start` sets up and starts
# the app, `bash scripts/fresh-machine.sh test` sets up and runs the tests. On Node >= 22.13 each is
# exactly `npm ci && npm start` / `npm ci && npm test`; on an older Node it first takes Node 22 from
# the npm registry (scripts/node22-env.sh), so `npm ci` meets every engines field.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  start | test) ;;
  *)
    echo "usage: bash scripts/fresh-machine.sh start|test" >&2
    exit 2
    ;;
esac
source scripts/node22-env.sh
npm ci --no-audit --no-fund
exec npm "$1"
