# Shared shell helpers for qmp-sentinel scripts. Source it; do not run it.
# shellcheck shell=bash

# The repository root, whichever script sourced us.
QS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export QS_ROOT

# Build caches (QEMU builds, container images, guest images) live outside the repository, keyed by
# their inputs, so a fresh clone reuses them and `git clean` never throws away a 3-minute build.
QS_CACHE="${QMP_SENTINEL_CACHE:-/var/cache/qmp-sentinel}"
export QS_CACHE

log() { printf '%s %s\n' "[$(basename "$0")]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# as_root_logged LOG CMD...: as_root, with CMD's stdout and stderr written to LOG by root (LOG may
# be where only root can write, such as $QS_CACHE; a plain `as_root CMD >LOG` opens LOG as the
# calling user).
as_root_logged() {
  local out=$1
  shift
  # shellcheck disable=SC2016 # expanded by the root shell, from its own arguments
  as_root sh -c 'out=$1; shift; exec "$@" >"$out" 2>&1' sh "$out" "$@"
}

_qs_apt_updated=""
# need_packages PKG...: installs the Debian packages that are missing, saying which. Idempotent.
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing missing packages: ${missing[*]}"
  if [[ -z "$_qs_apt_updated" ]]; then
    as_root apt-get update -q >/dev/null
    _qs_apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# inputs_key FILE...: a short hash of the given files' contents, for cache keys.
inputs_key() {
  cat "$@" | sha256sum | cut -c1-16
}

# kvm_usable: true when /dev/kvm can be opened read-write by this user.
kvm_usable() {
  [[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]]
}
