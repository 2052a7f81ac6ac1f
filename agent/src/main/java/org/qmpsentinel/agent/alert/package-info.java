/**
 * Durable alert delivery: every hang state change becomes one notification per webhook, written to
 * a spool directory (fsync) before it is sent and removed only after a 2xx; a 4xx rejection goes to
 * a dead-letter directory. One retry loop per webhook backs off exponentially with jitter between
 * {@code retry-initial} and {@code retry-max}; a spool that cannot be written degrades to delivery
 * from memory (metric, health DOWN), never to silence. The active hangs are persisted so that a
 * restart can resolve those that ended while the agent was down. docs/reliability.md lists the
 * faults and what happens.
 */
@NullMarked
package org.qmpsentinel.agent.alert;

import org.jspecify.annotations.NullMarked;
