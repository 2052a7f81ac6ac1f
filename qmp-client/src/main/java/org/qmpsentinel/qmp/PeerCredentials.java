package org.qmpsentinel.qmp;

/** The peer process of a unix-socket connection, from {@code SO_PEERCRED}: QEMU's pid, uid, gid. */
public record PeerCredentials(int pid, int uid, int gid) {}
