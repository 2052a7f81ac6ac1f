# Packages every test run needs: QEMU with SeaBIOS for the real-QEMU integration tests, nasm for
# the tiny stuck-BSP firmware, and Maven/JDK (already there on a developer machine).
# shellcheck shell=bash
need_packages qemu-system-x86 seabios qemu-utils nasm maven openjdk-17-jdk-headless
if kvm_usable; then log "KVM: /dev/kvm usable"; else log "KVM: not usable, QEMU tests use TCG"; fi
