#!/usr/bin/env python3
"""A plain socket QMP client, as an existing tool would be: no library, one JSON object a line.

Usage: plain-qmp-client.py SOCKET 'JSON' ['JSON' ...]
Prints the greeting and then every message it receives, one a line, until it has read one reply
per command it sent (events are printed too but not counted). Exits 0, or 2 if the server closed
the connection first.
"""
import json
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(30)
sock.connect(sys.argv[1])
stream = sock.makefile("rwb")


def read():
    line = stream.readline()
    if not line:
        print("EOF", flush=True)
        sys.exit(2)
    print(line.decode().strip(), flush=True)
    return json.loads(line)


read()  # the greeting
commands = sys.argv[2:]
for command in commands:  # pipelined: all written before any reply is read
    stream.write(command.encode() + b"\n")
stream.flush()
replies = 0
while replies < len(commands):
    if "event" not in read():
        replies += 1
