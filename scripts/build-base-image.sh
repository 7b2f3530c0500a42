#!/usr/bin/env bash
# Build the Debian base image the Containerfile starts FROM, from Debian packages, for
# machines that reach Debian's archive but no container registry. Prints the image name;
# build Spoke on it with:
#   podman build --pull=never --build-arg DEBIAN_IMAGE="$(bash scripts/build-base-image.sh)" .
#
# mmdebstrap makes a minimal bookworm root file system (what debian:bookworm-slim holds:
# the minbase variant, without manuals and translations) with this machine's own apt
# sources and the apt options it needs to reach them (a proxy, an archive snapshot whose
# Release files have expired). The tarball is cached in ~/.cache/spoke/ and the image kept
# in Podman's storage, both keyed by a digest of everything that shapes them: a second
# run takes a second. Delete the cached tarball to pick up Debian's newer packages.
#
# Uses .container-tools/*.conf (scripts/install-container-tools.sh) when they exist and
# CONTAINERS_CONF is not set. Needs root (mmdebstrap and rootful Podman).
set -euo pipefail
exec </dev/null

cd "$(dirname "$0")/.."
if [[ -z ${CONTAINERS_CONF:-} && -f .container-tools/containers.conf ]]; then
  export CONTAINERS_CONF=$PWD/.container-tools/containers.conf
  export CONTAINERS_STORAGE_CONF=$PWD/.container-tools/storage.conf
fi

SUITE=bookworm
IMAGE=${BASE_IMAGE:-localhost/spoke-debian:bookworm-slim}
cache_dir=${XDG_CACHE_HOME:-$HOME/.cache}/spoke
mkdir -p "$cache_dir"

# The machine's sources, one mmdebstrap "mirror" argument per file.
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -f $file ]] && grep -qE '^[[:space:]]*(deb|Types:)' "$file" && grep -q debian "$file" \
    && sources+=("$file")
done
if ((${#sources[@]} == 0)); then
  echo "build-base-image: no Debian apt sources on this machine" >&2
  exit 1
fi

# The apt options the machine needs to reach them; kept in the image's apt settings, so
# the Containerfile's apt-get reaches the same archive.
options=()
for key in Acquire::Check-Valid-Until Acquire::Check-Date Acquire::http::Proxy \
  Acquire::https::Proxy; do
  value=$(apt-config dump "$key" | sed -n "s/^$key \"\(.*\)\";$/\1/p" | head -n1)
  [[ -n $value ]] && options+=("--aptopt=$key \"$value\"")
done

args=(
  --quiet --variant=minbase --format=tar
  # /bin, /lib, /sbin as links into /usr from the start: the default installs usrmerge,
  # and with it perl, to convert the tree afterwards.
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  # What the official slim images leave out.
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  # No fsync for every file dpkg unpacks (as the official images): a build that is cut
  # short is started again from scratch anyway.
  --dpkgopt=force-unsafe-io
  "${options[@]}"
)
# The certificate authorities this machine trusts (its HTTPS proxy's among them), so pip
# and npm in the build reach their registries as they do here: installing ca-certificates
# in the Containerfile adds them to the image's bundle.
if [[ -s /etc/ssl/certs/ca-certificates.crt ]]; then
  # One certificate a file, as update-ca-certificates expects them.
  args+=(--customize-hook='mkdir -p "$1/usr/local/share/ca-certificates/build-host" && awk -v dir="$1/usr/local/share/ca-certificates/build-host" "/BEGIN CERTIFICATE/ { n++ } n { print > (dir \"/\" n \".crt\") }" /etc/ssl/certs/ca-certificates.crt')
fi
digest=$({
  printf '%s\n' "$SUITE" "${args[@]}"
  cat "${sources[@]}"
  cat /etc/ssl/certs/ca-certificates.crt 2>/dev/null || true
} | sha256sum | cut -c1-16)
tarball=$cache_dir/debian-$SUITE-minbase-$digest.tar

if [[ $(podman image inspect --format '{{index .Labels "spoke.rootfs"}}' "$IMAGE" 2>/dev/null) == "$digest" ]]; then
  echo "$IMAGE"
  exit 0
fi

if [[ ! -s $tarball ]]; then
  echo "build-base-image: building $tarball with mmdebstrap (under a minute)" >&2
  log=$(mktemp)
  if ! mmdebstrap "${args[@]}" "$SUITE" "$tarball.tmp" "${sources[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log" "$tarball.tmp"
    exit 1
  fi
  rm -f "$log"
  mv "$tarball.tmp" "$tarball"
  # Tarballs of earlier settings or sources are never used again.
  find "$cache_dir" -maxdepth 1 -name "debian-$SUITE-minbase-*.tar" ! -path "$tarball" -delete
fi

previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
podman import --quiet --change "LABEL spoke.rootfs=$digest" --change 'CMD ["/bin/bash"]' \
  "$tarball" "$IMAGE" >/dev/null
# The image this one replaces, unless something is still built on it.
[[ -n $previous ]] && podman rmi "$previous" >/dev/null 2>&1 || true
echo "$IMAGE"
