#!/usr/bin/env bash
# Installs what the dashboard's browser test needs: Debian's chromium (if missing) and the
# locked playwright-core package (driver only; it downloads no browser). Idempotent; called
# from .ci/run. Needs root for apt-get.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
cd "$here"
# playwright-core never downloads browsers; the variable makes sure of it.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
echo "e2e: chromium $(/usr/bin/chromium --version 2>/dev/null | head -1), node $(node --version), playwright-core installed"
