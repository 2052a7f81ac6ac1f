#!/usr/bin/env python3
"""A short blocking QMP client (stdlib only): the Python baseline of QueryStatusBenchmark.

Connects to a QMP unix socket, negotiates, then sends --commands query-status commands,
--window at a time (1 = one round trip per command), reads every reply, and prints one JSON
line: commands, seconds, and this process's CPU seconds (user + system, from os.times())
spent in the measured phase only. Replies are parsed with json.loads, as a real client would.
"""
import argparse
import json
import os
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--commands", type=int, default=20000)
    ap.add_argument("--window", type=int, default=1)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(args.socket)
    reader = sock.makefile("rb")

    def reply():
        while True:
            message = json.loads(reader.readline())
            if "event" not in message:
                return message

    greeting = reply()
    assert "QMP" in greeting, greeting
    sock.sendall(b'{"execute": "qmp_capabilities"}\n')
    assert "return" in reply()

    batch = b"".join(
        b'{"execute": "query-status", "id": %d}\n' % i for i in range(args.window))
    done = 0
    cpu0 = os.times()
    t0 = time.perf_counter()
    while done < args.commands:
        sock.sendall(batch)
        for _ in range(args.window):
            assert reply()["return"]["status"]
        done += args.window
    seconds = time.perf_counter() - t0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    print(json.dumps({"commands": done, "seconds": seconds, "cpu_seconds": cpu}))
    sock.close()


if __name__ == "__main__":
    main()
