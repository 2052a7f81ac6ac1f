# Starting throwaway QEMU guests for the demo and manual checks. Source it after common.sh.
# shellcheck shell=bash

# qs_accel: "kvm" when /dev/kvm is usable, else "tcg".
qs_accel() { if kvm_usable; then echo kvm; else echo tcg; fi; }

# qs_build_stuck_rom OUT: assembles deploy/guests/stuck-bsp.asm (the BSP spins, APs never start).
qs_build_stuck_rom() {
  nasm -f bin -o "$1" "$QS_ROOT/deploy/guests/stuck-bsp.asm"
}

# qs_start_vm DIR NAME SMP [extra qemu args...]: starts a daemonized guest with a QMP socket at
# DIR/sock/NAME.qmp and its SeaBIOS/firmware debug console in DIR/NAME.debug; pid in DIR/NAME.pid.
qs_start_vm() {
  local dir=$1 name=$2 smp=$3
  shift 3
  mkdir -p "$dir/sock"
  qemu-system-x86_64 -accel "$(qs_accel)" -name "$name" -smp "$smp" -m 64 \
    -nodefaults -display none -no-user-config \
    -chardev "file,id=dbg,path=$dir/$name.debug" -device isa-debugcon,iobase=0x402,chardev=dbg \
    -qmp "unix:$dir/sock/$name.qmp,server=on,wait=off" \
    -daemonize -pidfile "$dir/$name.pid" "$@" 2>>"$dir/qemu.log"
}

# qs_stop_vms DIR: kills every guest started in DIR.
qs_stop_vms() {
  local pidfile
  for pidfile in "$1"/*.pid; do
    if [[ -f $pidfile ]]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
}
