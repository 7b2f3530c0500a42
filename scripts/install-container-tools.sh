#!/usr/bin/env bash
# Install what building and running Spoke's container image here needs, as root, without
# prompts: rootful Podman (Debian `podman buildah runc`) and `mmdebstrap` (builds the
# Debian base image from the machine's apt sources when no container registry is
# reachable: scripts/build-base-image.sh). Idempotent: installs only what is missing.
#
# Then writes Podman's settings for this kind of machine into a private directory,
# .container-tools/ (never /etc/containers): point CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF at the two files it prints. Why each setting:
# - runtime "runc": crun refuses cgroups in hybrid mode ("not supported");
# - cgroup_manager "cgroupfs": there is no systemd to ask for cgroups;
# - default_ulimits: the sandbox cannot raise limits, and Podman would otherwise try to
#   (setrlimit RLIMIT_NOFILE: Operation not permitted);
# - netns "host": there is no bridge or NAT, so containers share the host's network
#   (they listen on its 127.0.0.1 and reach its PostgreSQL and Redis there);
# - storage: the overlay driver (vfs copies every layer, about 7 times slower), images
#   kept in ~/.cache/spoke/podman between runs on the same machine.
set -euo pipefail
exec </dev/null
export DEBIAN_FRONTEND=noninteractive

cd "$(dirname "$0")/.."

# Debian package -> a binary it installs.
declare -A PACKAGES=([podman]=podman [buildah]=buildah [runc]=runc [mmdebstrap]=mmdebstrap)

missing=()
for package in "${!PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || ! command -v "${PACKAGES[$package]}" >/dev/null; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    # Not fatal: tests/deploy/test_image.py is skipped without root, and says so.
    echo "install-container-tools: not root, so not installing: ${missing[*]}" >&2
    exit 0
  fi
  echo "install-container-tools: installing ${missing[*]}"
  apt-get update -qq
  # runc named explicitly: Podman would otherwise bring crun, which fails here.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

conf_dir=$PWD/.container-tools
cache_dir=${XDG_CACHE_HOME:-$HOME/.cache}/spoke/podman
# Podman's run-time state, apart from the images. A fixed path: Podman refuses storage
# whose recorded paths changed, and every checkout on the machine shares the images.
run_dir=/tmp/spoke-podman-$(id -u)
mkdir -p "$conf_dir" "$cache_dir/storage" "$run_dir"

write_if_changed() { # path, content: rewrite only when it differs (no needless mtime churn)
  if [[ ! -f $1 ]] || [[ $(cat "$1") != "$2" ]]; then
    printf '%s\n' "$2" >"$1.tmp"
    mv "$1.tmp" "$1"
  fi
}

write_if_changed "$conf_dir/containers.conf" "# Written by scripts/install-container-tools.sh; see the reasons there.
[containers]
default_ulimits = [\"nofile=4096:4096\", \"nproc=4096:4096\"]
netns = \"host\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
tmp_dir = \"$run_dir/libpod\""

write_if_changed "$conf_dir/storage.conf" "# Written by scripts/install-container-tools.sh; see the reasons there.
[storage]
driver = \"overlay\"
graphroot = \"$cache_dir/storage\"
runroot = \"$run_dir/storage\""

echo "CONTAINERS_CONF=$conf_dir/containers.conf"
echo "CONTAINERS_STORAGE_CONF=$conf_dir/storage.conf"
