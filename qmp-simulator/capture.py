#!/usr/bin/env python3
"""Re-captures the QMP replies the simulator serves, from a real QEMU (stdlib only).

    qmp-simulator/capture.py [--qemu qemu-system-x86_64] [--out DIR]

For each accelerator (kvm when /dev/kvm is usable, and tcg) it starts
    QEMU -accel A -smp 2 -m 128 -nodefaults -display none -S -name capture-vm -uuid ...
         -qmp unix:SOCK,server=on,wait=off
and writes DIR/A/<exchange>.json: the exact line QEMU sent (greeting, reply or event), CRLF and
all. Commands carry the id "capture-id" so the simulator can see where QEMU puts the echoed id.
While QEMU waits at -S, every vCPU sits at the reset vector: `info registers` of cpu 0 (the BSP)
and cpu 1 (an AP) are the reset-vector register dumps. Then `cont` (RESUME), a few seconds of
SeaBIOS, query-stats again (growing counters) and the running registers, `stop` (STOP),
`system_reset` (RESET). Errors: a command before negotiation, a second qmp_capabilities, a
cpu-index that does not exist and an unknown command.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

UUID = "5e1f0c3a-7d2b-4c59-9a61-0123456789ab"
ID = "capture-id"


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(100):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit(f"cannot connect to {path}")
        self.buf = b""
        self.events = []

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("QEMU closed the monitor")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw + b"\n"

    def command(self, execute, arguments=None):
        msg = {"execute": execute}
        if arguments is not None:
            msg["arguments"] = arguments
        msg["id"] = ID
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            raw = self.line()
            if b'"event"' in raw and b'"return"' not in raw and b'"error"' not in raw:
                self.events.append(raw)
                continue
            return raw

    def wait_event(self, name, timeout=5.0):
        end = time.time() + timeout
        while time.time() < end:
            for raw in self.events:
                if json.loads(raw).get("event") == name:
                    self.events.remove(raw)
                    return raw
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                self.events.append(self.line())
            except socket.timeout:
                pass
            finally:
                self.sock.settimeout(None)
        raise SystemExit(f"no {name} event within {timeout} s")


def capture(qemu, accel, out):
    os.makedirs(out, exist_ok=True)
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "capture.qmp")
        proc = subprocess.Popen(
            [qemu, "-accel", accel, "-smp", "2", "-m", "128", "-nodefaults", "-display", "none",
             "-S", "-name", "capture-vm", "-uuid", UUID, "-qmp", f"unix:{sock},server=on,wait=off"],
            stdin=subprocess.DEVNULL)
        try:
            m = Monitor(sock)
            files["greeting"] = m.line()
            files["error-before-negotiation"] = m.command("query-status")
            files["qmp_capabilities"] = m.command("qmp_capabilities")
            files["error-negotiated-again"] = m.command("qmp_capabilities")
            files["query-name"] = m.command("query-name")
            files["query-uuid"] = m.command("query-uuid")
            files["query-commands"] = m.command("query-commands")
            files["query-kvm"] = m.command("query-kvm")
            files["query-version"] = m.command("query-version")
            files["query-status-prelaunch"] = m.command("query-status")
            files["query-cpus-fast"] = m.command("query-cpus-fast")
            files["query-stats-vcpu-prelaunch"] = m.command("query-stats", {"target": "vcpu"})
            for cpu in (0, 1):
                files[f"info-registers-cpu{cpu}-reset-vector"] = m.command(
                    "human-monitor-command", {"command-line": "info registers", "cpu-index": cpu})
            files["error-bad-cpu-index"] = m.command(
                "human-monitor-command", {"command-line": "info registers", "cpu-index": 7})
            files["unknown-command"] = m.command("no-such-command")
            m.command("cont")
            files["event-RESUME"] = m.wait_event("RESUME")
            files["query-status-running"] = m.command("query-status")
            time.sleep(3)  # let SeaBIOS run: KVM counters grow
            files["query-stats-vcpu"] = m.command("query-stats", {"target": "vcpu"})
            files["query-stats-vcpu-kvm-names"] = m.command(
                "query-stats",
                {"target": "vcpu", "providers": [{"provider": "kvm", "names": ["exits", "halt_exits"]}]})
            # Registers of a running boot (synchronizing, but this VM is ours to disturb).
            for cpu in (0, 1):
                files[f"info-registers-cpu{cpu}-running"] = m.command(
                    "human-monitor-command", {"command-line": "info registers", "cpu-index": cpu})
            m.command("stop")
            files["event-STOP"] = m.wait_event("STOP")
            files["query-status-paused"] = m.command("query-status")
            m.command("system_reset")
            files["event-RESET"] = m.wait_event("RESET")
            m.command("quit")
        finally:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
    for name, raw in files.items():
        json.loads(raw)  # every capture is one JSON document
        with open(os.path.join(out, name + ".json"), "wb") as f:
            f.write(raw)
    print(f"captured {len(files)} exchanges ({accel}) into {out}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--out", default=os.path.join(
        here, "src/main/resources/org/qmpsentinel/sim/captured"))
    args = p.parse_args()
    accels = ["tcg"]
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        accels.insert(0, "kvm")
    else:
        print("/dev/kvm not usable: capturing tcg only", file=sys.stderr)
    for accel in accels:
        capture(args.qemu, accel, os.path.join(args.out, accel))


if __name__ == "__main__":
    main()
