/**
 * Talking to systemd as a {@code Type=notify} service: {@code READY=1} once the first discovery
 * pass is done, and {@code WATCHDOG=1} only while the poll scheduler makes progress, sent as
 * sd_notify(3) datagrams to {@code $NOTIFY_SOCKET} over Netty's epoll unix datagram channel (no
 * native code beyond Netty's own).
 */
@NullMarked
package org.qmpsentinel.agent.systemd;

import org.jspecify.annotations.NullMarked;
