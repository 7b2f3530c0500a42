#!/usr/bin/env bash
# Install what tests/deploy/ needs to validate deploy/kubernetes/ and deploy/alertmanager/
# offline, without prompts. Idempotent: installs only what is missing.
#
# - kubernetes-validate and checkov (PyPI) go into a venv of their own,
#   .venv-deploy-tools/: checkov pins many libraries (boto3, networkx, jsonschema, ...)
#   that would fight the project's own in .venv.
# - amtool comes with the Debian package prometheus-alertmanager (root only).
# - kubectl renders the kustomize overlays; it is not installed here (no Debian package
#   carries it): without it the manifest tests fail saying so.
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TOOLS=${DEPLOY_TOOLS_VENV:-.venv-deploy-tools}

# --------------------------------------------------------------------------- PyPI tools
if [[ ! -x $TOOLS/bin/kubernetes-validate || ! -x $TOOLS/bin/checkov ]]; then
  echo "install-deploy-tools: installing kubernetes-validate and checkov into $TOOLS"
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -qq --disable-pip-version-check --upgrade pip
  "$TOOLS/bin/pip" install -qq --disable-pip-version-check \
    'kubernetes-validate>=1.35' 'checkov>=3.2'
fi

# --------------------------------------------------------------------------- amtool
if ! command -v amtool >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    # Not fatal here: tests/deploy/test_alerting.py then fails saying amtool is missing.
    echo "install-deploy-tools: not root, so not installing: prometheus-alertmanager (amtool)" >&2
  else
    echo "install-deploy-tools: installing prometheus-alertmanager (for amtool)"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus-alertmanager
    # The package also ships an Alertmanager service (:9093); we only want amtool.
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
      systemctl disable --now prometheus-alertmanager.service >/dev/null 2>&1 || true
    fi
  fi
fi

# --------------------------------------------------------------------------- kubectl
if ! command -v kubectl >/dev/null; then
  echo "install-deploy-tools: kubectl not found: the kustomize rendering tests will fail" >&2
fi

printf '%-22s %s\n' kubernetes-validate "$(ls "$TOOLS/bin/kubernetes-validate" 2>/dev/null || echo 'not found')"
printf '%-22s %s\n' checkov "$(ls "$TOOLS/bin/checkov" 2>/dev/null || echo 'not found')"
printf '%-22s %s\n' amtool "$(command -v amtool || echo 'not found')"
printf '%-22s %s\n' kubectl "$(command -v kubectl || echo 'not found')"
