# The patched-QEMU fixture images (qmp-sentinel/qemu-fixture:stock and :patched) for FixtureAbIT:
# Debian's QEMU 7.2 built from source without and with the fix, the kvm-smm-shim and the guests.
# Cached in the Docker engine, keyed by their inputs: only the first run builds (about 4 minutes).
# shellcheck shell=bash
"$QS_ROOT/deploy/fixture/build-images.sh" >/dev/null
