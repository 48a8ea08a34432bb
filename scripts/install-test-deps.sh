#!/usr/bin/env bash
# Installs what the test suite runs besides Deno and Bun (which come from npm), only what is
# missing: redis-server, postgresql, wrk and chromium from Debian's apt (with sudo when not root), and the
# Python clients' venv (.venv-clients) when python3 is present. Run by `npm test` (its pretest)
# and by .ci/run; safe to run again: with everything in place it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
APT_UPDATED=""
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: $* missing and no apt-get here; install it yourself" >&2
    return 1
  fi
  echo "install-test-deps: apt-get install $*" >&2
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# Redis backs the shared rate-limit tests (two gateway processes against one Redis).
if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; fi

# PostgreSQL backs the shared usage store tests (tests/e2e/postgres_server.ts starts a cluster of
# its own from these binaries on a free loopback port; the package's own cluster is not used).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install postgresql; fi

# wrk is the benchmark's load generator; tests/bench runs the benchmark briefly.
if ! command -v wrk >/dev/null 2>&1; then apt_install wrk; fi

# Chromium loads /docs in tests/e2e/docs_browser_test.ts (driven by playwright-core, which
# downloads no browser) to check that the page makes no request beyond the gateway.
if ! command -v chromium >/dev/null 2>&1; then apt_install chromium; fi

# Real Python clients (MLflow's deployments client, the openai and anthropic SDKs) for
# tests/e2e/python_clients_test.ts, installed from PyPI into .venv-clients; installed again when
# tests/clients/requirements.txt changes (its hash is kept in the venv).
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x .venv-clients/bin/python ]; then
    if ! python3 -m venv .venv-clients; then
      rm -rf .venv-clients
      apt_install python3-venv
      python3 -m venv .venv-clients
    fi
  fi
  wanted="$(sha256sum tests/clients/requirements.txt | cut -d' ' -f1)"
  if [ "$(cat .venv-clients/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
    .venv-clients/bin/python -m pip install -q -r tests/clients/requirements.txt
    echo "$wanted" > .venv-clients/.requirements.sha256
  fi
fi
