package org.qmpsentinel.hang;

import java.time.Instant;

/**
 * A change in a hang's state.
 *
 * @param since when the condition began (first evidence), stable across SUSPECTED and CONFIRMED
 * @param at when this state change happened
 */
public record HangEvent(
    VmId vm, HangKind kind, HangState state, Evidence evidence, Instant since, Instant at) {}
