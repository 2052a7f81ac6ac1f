; ovmf-stall: a 64 KiB x86 BIOS image that reproduces the END STATE of OVMF's WaitApWakeup() hang.
;
; The boot CPU (BSP) starts at the reset vector, enters 32-bit flat protected mode (no paging),
; copies a small real-mode trampoline to 0x8000 and wakes every application processor (AP) with
; INIT-SIPI-SIPI, as firmware does. Each AP runs the trampoline: it counts itself in at 0x7000 and
; halts for good (cli; hlt). The BSP then waits for a flag at 0x7004 that nothing ever sets —
; spinning in a loop of a few bytes with interrupts off, never halting, like OVMF's MpInitLib
; waiting for an AP that never signals. It announces each step on the debug console (port 0x402).
;
; What a monitor sees: every AP entered the guest once and halted (halt_exits 1); the BSP's
; halt_exits stay 0 while its exits climb; its RIP stays within a 16-byte window in protected mode
; (the ROM's alias below 1 MiB, 0xf0000 + offset).
;
; Build: nasm -f bin -o ovmf-stall.rom ovmf-stall.asm
; Run:   qemu-system-x86_64 -bios ovmf-stall.rom -smp 4 -nodefaults -display none ...

ROM     equ 0xffff0000          ; where the 64 KiB image sits below 4 GiB
TRAMP   equ 0x8000              ; SIPI vector 0x08: APs start at 0800:0000
COUNT   equ 0x7000              ; APs that ran
FLAG    equ 0x7004              ; what the BSP waits for; never set
LAPIC   equ 0xfee00000

bits 16
org 0                           ; offsets are relative to CS base 0xffff0000 (segment f000)

start:
        cli
        cld
        ; Leave the reset state (CS base ffff0000 with selector f000) for the ROM's alias below
        ; 1 MiB (CS base f0000), as SeaBIOS does first: KVM without unrestricted guest cannot enter
        ; protected mode from the reset state's unreal CS.
        jmp     0xf000:low
low:
        mov     dx, 0x402
        mov     si, banner
        call    print16
        ; 32-bit flat protected mode. lgdt takes a linear base: the GDT's address in the ROM.
        o32 lgdt [cs:gdt_ptr]
        mov     eax, cr0
        and     eax, 0x9fffffff         ; caches on (CD, NW off), as SeaBIOS does
        or      al, 1
        mov     cr0, eax
        jmp     dword 0x08:(0xf0000 + pm32)

print16:                        ; DS:SI is unusable at reset: read the string through CS
.next:  cs lodsb
        test    al, al
        jz      .done
        out     dx, al
        jmp     .next
.done:  ret

bits 32
pm32:
        mov     ax, 0x10                ; every data segment, as SeaBIOS does: a real-mode FS or GS
        mov     ds, ax                  ; left over keeps the state "invalid" for VMX without
        mov     es, ax                  ; unrestricted guest, and KVM then emulates each instruction
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, 0x7c00
        mov     dword [COUNT], 0
        mov     dword [FLAG], 0
        ; The trampoline goes to RAM below 1 MiB, where a SIPI can start an AP.
        mov     esi, 0xf0000 + tramp
        mov     edi, TRAMP
        mov     ecx, tramp_end - tramp
        rep movsb
        ; Software-enable the local APIC, then INIT, SIPI, SIPI to all but self.
        mov     dword [LAPIC + 0xf0], 0x1ff
        mov     dword [LAPIC + 0x310], 0
        mov     dword [LAPIC + 0x300], 0x000c4500
        call    delay
        mov     dword [LAPIC + 0x300], 0x000c4600 | (TRAMP >> 12)
        call    delay
        mov     dword [LAPIC + 0x300], 0x000c4600 | (TRAMP >> 12)
        call    delay
        mov     esi, 0xf0000 + waiting
        call    print32
        ; WaitApWakeup: spin until the flag is set. Nothing sets it.
.wait:  cmp     dword [FLAG], 0x600d
        jne     .wait
        hlt                     ; never reached

delay:  mov     ecx, 0x4000             ; a few ms, also where KVM emulates every instruction
.loop:  dec     ecx
        jnz     .loop
        ret

print32:
        mov     dx, 0x402
.next:  lodsb
        test    al, al
        jz      .done
        out     dx, al
        jmp     .next
.done:  ret

bits 16
tramp:                          ; copied to 0x8000; an AP starts here in real mode, CS=0800
        cli
        xor     ax, ax
        mov     ds, ax
        lock inc dword [COUNT]
.halt:  hlt                     ; parked for good, like OVMF's APs in their sleep loop
        jmp     .halt
tramp_end:

; The accessed bits are preset (0x9b, 0x93), as in SeaBIOS's GDT: KVM's emulator would otherwise
; try to set them in this read-only ROM on every load and retry the far jump forever.
align 8
gdt:    dq 0
        dq 0x00cf9b000000ffff   ; 0x08: code, base 0, 4 GiB, 32-bit
        dq 0x00cf93000000ffff   ; 0x10: data, base 0, 4 GiB
gdt_ptr:
        dw gdt_ptr - gdt - 1
        dd 0xf0000 + gdt

banner:  db "ovmf-stall: BSP starting APs", 10, 0
waiting: db "ovmf-stall: APs woken; BSP waiting for a flag no AP sets", 10, 0

        times 0xfff0 - ($ - $$) db 0xff
reset_vector:                   ; the CPU starts here: CS=f000 base ffff0000, IP=fff0
        jmp     start
        times 0x10000 - ($ - $$) db 0xff
