; stuck-bsp: a 64 KiB x86 BIOS image that reproduces the END STATE of the lost-INIT boot hang.
;
; The boot CPU (BSP) starts at the reset vector like any firmware, announces itself on the debug
; console (I/O port 0x402, QEMU's -debugcon / isa-debugcon), then spins forever with interrupts
; off. It never sends INIT/SIPI, so every application processor (AP) stays where reset left it:
; KVM_MP_STATE_UNINITIALIZED with EIP=0000fff0, CS=f000 base ffff0000, never entering the guest.
; That is exactly what a VM hit by the bug looks like (SeaBIOS's smp_scan spins the BSP waiting
; for APs whose INIT was clobbered), made deterministic on any host.
;
; Build: nasm -f bin -o stuck-bsp.rom stuck-bsp.asm
; Run:   qemu-system-x86_64 -bios stuck-bsp.rom -smp 4 -nodefaults -display none ...

bits 16
org 0                           ; offsets are relative to CS base 0xffff0000 (segment f000)

start:
        cli
        cld
        mov     dx, 0x402       ; QEMU debug console
        mov     si, banner
.print: cs lodsb                ; DS is 0 at reset; read the string through CS
        test    al, al
        jz      .spin
        out     dx, al
        jmp     .print
.spin:  jmp     .spin           ; BSP at 100%, forever; APs are never woken

banner: db "stuck-bsp: BSP spinning, APs never sent INIT/SIPI", 10, 0

        times 0xfff0 - ($ - $$) db 0xff
reset_vector:                   ; the CPU starts here: CS=f000 base ffff0000, IP=fff0
        jmp     start
        times 0x10000 - ($ - $$) db 0xff
