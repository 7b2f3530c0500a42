#!/usr/bin/env bash
# Install the browser the web UI's end-to-end test drives: Debian's chromium (Playwright
# itself comes from PyPI with the test extras and is pointed at /usr/bin/chromium; it never
# downloads a browser of its own). Idempotent, no prompts; needs root to install.
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

if command -v chromium >/dev/null; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-browser-tools: chromium is missing; install it as root (apt-get install chromium)" >&2
  exit 0  # the browser test then fails, saying so
fi
echo "install-browser-tools: installing chromium"
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
