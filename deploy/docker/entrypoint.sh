#!/bin/sh
# Container entrypoint: runs the agent as the image's user (uid 10001) on the image's JRE, after
# checking that its state directory is writable, which on a fresh host is where `docker run` fails:
# a bind-mounted host directory is root's. A named volume needs nothing (Docker copies the image
# directory's owner into a new volume). JVM options come from $JAVA_OPTS.
set -e
state=/var/lib/qmp-sentinel
for arg in "$@"; do
  case $arg in
    --sentinel.alerting.spool-dir=*) state=$(dirname "${arg#*=}") ;;
  esac
done
mkdir -p "$state" 2>/dev/null || true
if [ ! -w "$state" ]; then
  echo "qmp-sentinel: $state is not writable by uid $(id -u) (it belongs to uid $(stat -c %u "$state"))." >&2
  echo "  Use a named volume:  docker run -v qmp-sentinel-state:/var/lib/qmp-sentinel ..." >&2
  echo "  or give the host directory to the agent's user:  chown -R $(id -u):$(id -g) HOST_DIR" >&2
  exit 78 # EX_CONFIG
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options, split on purpose
exec java $JAVA_OPTS -jar /opt/qmp-sentinel/qmp-sentinel.jar "$@"
