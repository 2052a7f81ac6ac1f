# Docker engine (Debian's docker.io, started without bridge or iptables) and the locally imported
# Debian 12 base image, for the agent image test (AgentImageIT).
# shellcheck shell=bash
# shellcheck source=SCRIPTDIR/../lib/docker.sh
source "$QS_ROOT/scripts/lib/docker.sh"
ensure_base_image bookworm
