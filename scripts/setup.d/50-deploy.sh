# Tools for the deploy/ checks: promtool (Debian's prometheus package) for the alerting rules,
# systemd-analyze for the unit, runuser for the /proc permission check.
# shellcheck shell=bash
need_packages prometheus systemd util-linux
