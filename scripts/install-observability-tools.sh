#!/usr/bin/env bash
# Install promtool (Debian package `prometheus`), which tests/integration/test_deploy_artifacts.py
# runs to validate deploy/prometheus/. As root, without prompts. Idempotent: does nothing
# when promtool is already on PATH. Not root: prints a notice and exits 0 (the test then
# fails saying promtool is missing, rather than passing silently).
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

if command -v promtool >/dev/null; then
  printf '%-22s %s\n' promtool "$(command -v promtool)"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-observability-tools: not root, so not installing: prometheus (promtool)" >&2
  exit 0
fi

echo "install-observability-tools: installing prometheus (for promtool)"
apt-get update -qq
# --no-install-recommends: skips prometheus-node-exporter, which we do not need.
apt-get install -y -qq --no-install-recommends prometheus

# The package also ships a Prometheus server unit listening on :9090, Spoke's default ops
# port. In containers policy-rc.d keeps it from starting; on a host run by systemd it would
# start, so stop and disable it: we only want the promtool binary.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
  systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi

printf '%-22s %s\n' promtool "$(command -v promtool || echo 'not found')"
