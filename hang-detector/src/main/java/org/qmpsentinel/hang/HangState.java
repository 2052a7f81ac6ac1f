package org.qmpsentinel.hang;

/** Lifecycle of one hang: SUSPECTED, then CONFIRMED (or straight to RESOLVED). */
public enum HangState {
  SUSPECTED,
  CONFIRMED,
  RESOLVED
}
