package org.qmpsentinel.agent.proxy;

import java.time.Instant;

/**
 * One proxy client as the API shows it.
 *
 * @param pid the client process ({@code SO_PEERCRED}), -1 if unknown
 * @param uid its user, -1 if unknown
 * @param negotiated whether it completed {@code qmp_capabilities}
 * @param commands commands it sent (forwarded, denied or answered by the proxy)
 * @param denied commands denied to it (also after a deferral)
 * @param deferred commands held for it until the policy allowed them (or the hold timed out)
 */
public record ClientInfo(
    int pid,
    int uid,
    Instant since,
    boolean negotiated,
    boolean oob,
    long commands,
    long denied,
    long deferred) {}
