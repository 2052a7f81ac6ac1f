/**
 * Asynchronous client for the QEMU Machine Protocol (QMP).
 *
 * <p>Start at {@link org.qmpsentinel.qmp.QmpClient}: it connects to a {@link
 * org.qmpsentinel.qmp.QmpEndpoint} (a unix socket or TCP), negotiates capabilities and hands back a
 * {@link org.qmpsentinel.qmp.QmpConnection}. Commands are {@link org.qmpsentinel.qmp.QmpCommand}
 * objects (typed ones in {@link org.qmpsentinel.qmp.QmpCommands}); every reply is a {@link
 * java.util.concurrent.CompletableFuture} that completes off the Netty event loop's critical path.
 * Events are delivered in order to subscribers through bounded buffers. {@link
 * org.qmpsentinel.qmp.QmpSupervisor} keeps a connection alive with backoff.
 *
 * <p>Everything under sub-packages ({@code .internal.*}) is implementation detail.
 */
@NullMarked
package org.qmpsentinel.qmp;

import org.jspecify.annotations.NullMarked;
