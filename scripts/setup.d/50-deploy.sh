# Tools for the deploy/ checks: Prometheus (and its promtool) and Alertmanager from Debian for the
# rules and the end-to-end alert path, systemd-analyze for the unit, runuser for the /proc check.
# The tests start the daemons themselves on loopback ports; the packages' own services are not
# needed (there may be no systemd to run them).
# shellcheck shell=bash
need_packages prometheus prometheus-alertmanager systemd util-linux
