# Docker engine and the local base image, for the container tests and images. Source it after
# common.sh. No registry is reachable from the test machines, so the base image is a debootstrap'ed
# Debian rootfs (12, or 13 for the QEMU 10 fixture) imported with `docker import`, from the mirror in
# the machine's own apt config.
# Runs as root or as a user with sudo: every privileged step (the engine, $QS_CACHE, debootstrap)
# goes through as_root, and the docker CLI through qs_docker.
# shellcheck shell=bash

# qs_docker ARGS...: the docker CLI, through as_root unless this user can use the engine itself
# (root, a member of the socket's group, or a DOCKER_HOST of its own).
qs_docker() {
  if [[ $EUID -eq 0 || -n ${DOCKER_HOST:-} || -w /var/run/docker.sock ]]; then
    docker "$@"
  else
    as_root docker "$@"
  fi
}

# ensure_dockerd: starts Debian's dockerd (no bridge, no iptables: containers use --network none
# or host) unless an engine already answers.
ensure_dockerd() {
  need_packages docker.io
  if qs_docker info >/dev/null 2>&1; then
    return 0
  fi
  log "starting dockerd (--bridge=none --iptables=false)"
  as_root mkdir -p "$QS_CACHE"
  # shellcheck disable=SC2016 # expanded by the root shell, from its own arguments
  as_root sh -c 'nohup dockerd --bridge=none --iptables=false >"$1" 2>&1 &' sh "$QS_CACHE/dockerd.log"
  for _ in $(seq 1 100); do qs_docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "dockerd did not start; see $QS_CACHE/dockerd.log"
}

# debian_mirror: the first Debian mirror in the machine's apt configuration.
debian_mirror() {
  local m
  m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
  [[ -n $m ]] || m=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [[ -n $m ]] || die "no Debian mirror found in the apt configuration"
  echo "$m"
}

# ensure_base_image [SUITE]: imports a minimal Debian rootfs of SUITE (default bookworm, the
# machine's own release) as qmp-sentinel/debian:SUITE once (cached by suite and mirror). A newer
# suite (trixie, for the QEMU 10 fixture) comes from the same mirror.
ensure_base_image() {
  local suite=${1:-bookworm}
  local image="qmp-sentinel/debian:$suite"
  ensure_dockerd
  local mirror key
  mirror=$(debian_mirror)
  key=$(echo "$suite minbase $mirror v1" | sha256sum | cut -c1-12)
  if [[ $(qs_docker image inspect -f '{{ index .Config.Labels "qmp-sentinel.key" }}' "$image" 2>/dev/null) == "$key" ]]; then
    return 0
  fi
  need_packages debootstrap
  local root="$QS_CACHE/rootfs-$key"
  if [[ ! -f $root/.complete ]]; then
    log "debootstrap $suite (minbase) from the machine's mirror into $root"
    as_root rm -rf "$root"
    as_root mkdir -p "$QS_CACHE"
    as_root_logged "$QS_CACHE/debootstrap-$suite.log" debootstrap --variant=minbase "$suite" "$root" "$mirror" ||
      die "debootstrap failed; see $QS_CACHE/debootstrap-$suite.log"
    printf 'deb %s %s main\n' "$mirror" "$suite" | as_root tee "$root/etc/apt/sources.list" >/dev/null
    as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    as_root touch "$root/.complete"
  fi
  log "importing $image"
  as_root tar -C "$root" --exclude=./.complete -c . |
    qs_docker import --change "LABEL qmp-sentinel.key=$key" --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
}

# debian_apt_sources [SUITE]: the machine's Debian apt entries (suites bookworm and bookworm-*, so
# third-party repositories stay out) as one-line "deb" and "deb-src" lines, for image builds that
# must see exactly the package versions the machine sees. With SUITE (e.g. trixie), the same
# mirrors and components with bookworm renamed to SUITE (bookworm-updates → SUITE-updates, …).
debian_apt_sources() {
  local suite=${1:-bookworm}
  local f deb822=() oneline=()
  for f in /etc/apt/sources.list.d/*.sources; do [[ -f $f ]] && deb822+=("$f"); done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -f $f ]] && oneline+=("$f"); done
  {
    # deb822 files: one "URI SUITE COMPONENTS" line per URI and suite of each stanza.
    awk -v RS= '{
        uris = suites = comps = ""
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (lines[i] ~ /^URIs:/) uris = substr(lines[i], 6)
          if (lines[i] ~ /^Suites:/) suites = substr(lines[i], 8)
          if (lines[i] ~ /^Components:/) comps = substr(lines[i], 12)
        }
        nu = split(uris, u, " "); ns = split(suites, s, " ")
        for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b], comps
      }' /dev/null "${deb822[@]}"
    # one-line files: drop "deb" and any [options].
    awk '$1 == "deb" {$1 = ""; sub(/^ *\[[^]]*\]/, ""); print}' /dev/null "${oneline[@]}"
  } | awk -v suite="$suite" '$2 ~ /^bookworm(-[a-z]+)?$/ {sub(/^bookworm/, suite, $2); print}' | sort -u |
    awk '{print "deb " $0; print "deb-src " $0}'
}
