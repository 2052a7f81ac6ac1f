package org.qmpsentinel.qmp;

/**
 * Counters of one connection since it was negotiated, for metrics: none of these closes it.
 *
 * @param unknownReplies replies to ids this connection never sent (dropped, as the QMP spec asks)
 * @param lateReplies replies to commands the caller no longer waited for — timed out or cancelled
 *     (or answered twice) — dropped
 * @param eventsDropped events the subscriptions' bounded buffers discarded or refused, summed over
 *     every subscription (see {@link QmpSubscription#overflowCount()})
 */
public record QmpConnectionStats(long unknownReplies, long lateReplies, long eventsDropped) {}
