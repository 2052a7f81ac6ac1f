# The patched-QEMU fixture images for FixtureAbIT, stock and patched, built from Debian's own source
# packages: QEMU 7.2 (Debian 12: qmp-sentinel/qemu-fixture:stock and :patched) and QEMU 10.0
# (Debian 13: :qemu10-stock and :qemu10-patched, whose stock binary build-images.sh also copies to
# $QS_CACHE/qemu-bin/qemu10 for the integration tests that run on every QEMU build).
# Cached in the Docker engine, keyed by their inputs: only the first run builds (7.2: about 4
# minutes; 10: see deploy/fixture/README.md).
# shellcheck shell=bash
"$QS_ROOT/deploy/fixture/build-images.sh" 7.2 10 >/dev/null
