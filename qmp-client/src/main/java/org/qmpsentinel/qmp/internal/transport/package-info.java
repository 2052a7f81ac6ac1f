/** Netty transport selection: epoll (unix sockets with SO_PEERCRED) or NIO. Not API. */
@NullMarked
package org.qmpsentinel.qmp.internal.transport;

import org.jspecify.annotations.NullMarked;
