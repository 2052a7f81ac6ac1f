#!/bin/bash
# Container HEALTHCHECK: GET /actuator/health/liveness on the agent's loopback port (the
# --server.port= the agent was started with, else $SERVER_PORT, else 9180) with bash's /dev/tcp,
# so the image needs no HTTP client.
port=${SERVER_PORT:-9180}
while IFS= read -r -d '' arg; do
  case $arg in --server.port=*) port=${arg#*=} ;; esac
done </proc/1/cmdline
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /actuator/health/liveness HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
grep -q '"status":"UP"' <&3
