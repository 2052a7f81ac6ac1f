/**
 * Durable alert delivery: every hang state change becomes one notification per webhook, written to
 * a spool directory (fsync) before it is sent and removed only after a 2xx. Retries back off
 * exponentially with jitter; an outage delays alerts, a restart resumes them, and a stable key
 * keeps the same notification from being queued twice.
 */
@NullMarked
package org.qmpsentinel.agent.alert;

import org.jspecify.annotations.NullMarked;
