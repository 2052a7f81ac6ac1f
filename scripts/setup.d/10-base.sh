# Packages every test run needs: QEMU with SeaBIOS (and OVMF, booted under TCG by FirmwareStallIT)
# for the real-QEMU integration tests, nasm for
# the tiny stuck-BSP firmware, Maven/JDK (already there on a developer machine), and shellcheck
# for scripts/test's check of the shell scripts.
# shellcheck shell=bash
need_packages qemu-system-x86 seabios ovmf qemu-utils nasm maven openjdk-17-jdk-headless shellcheck
if kvm_usable; then log "KVM: /dev/kvm usable"; else log "KVM: not usable, QEMU tests use TCG"; fi
