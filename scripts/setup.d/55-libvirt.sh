# libvirt for the libvirt discovery test: Debian's libvirtd and virtlogd, started directly (there
# may be no systemd to start them), and /dev/kvm made usable by libvirt's QEMU user.
# shellcheck shell=bash
need_packages libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
if [[ -c /dev/kvm ]] && [[ $(stat -c '%G %a' /dev/kvm) != "kvm 660" ]]; then
  # libvirt-qemu is in the kvm group (Debian); udev would normally set this.
  log "granting the kvm group access to /dev/kvm (for libvirt-qemu)"
  as_root chgrp kvm /dev/kvm && as_root chmod 0660 /dev/kvm
fi
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  log "starting virtlogd and libvirtd"
  pgrep -x virtlogd >/dev/null || as_root virtlogd -d
  pgrep -x libvirtd >/dev/null || as_root libvirtd -d
  for _ in $(seq 1 50); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.2; done
  virsh -c qemu:///system version >/dev/null || die "libvirtd did not come up"
fi
