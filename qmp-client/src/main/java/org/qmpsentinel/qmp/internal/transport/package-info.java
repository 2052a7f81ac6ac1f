/** Netty transport selection: epoll (unix sockets with SO_PEERCRED) or NIO. Not API. */
package org.qmpsentinel.qmp.internal.transport;
