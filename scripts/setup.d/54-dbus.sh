# The system bus, for polkit: Debian's libvirtd authorizes read-only clients such as the
# qmp-sentinel service user (polkit action org.libvirt.unix.monitor, allowed to any user) by asking
# polkitd over the system bus, and it looks for the bus once, at its first client. So the bus is
# started before libvirtd (55-libvirt.sh); dbus starts polkitd on demand. systemd does both on a
# real host; here systemd may not be PID 1.
# shellcheck shell=bash
need_packages dbus polkitd python3
if ! dbus-send --system --dest=org.freedesktop.DBus --type=method_call --print-reply \
  /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null 2>&1; then
  log "starting the system bus (dbus-daemon --system)"
  # A pid file left by a bus that is gone makes dbus-daemon refuse to start.
  if [[ -f /run/dbus/pid ]] && ! kill -0 "$(cat /run/dbus/pid)" 2>/dev/null; then
    as_root rm -f /run/dbus/pid
  fi
  as_root mkdir -p /run/dbus
  as_root dbus-daemon --system --fork
fi
