package org.qmpsentinel.hang.internal.detect;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmId;

/**
 * The state of one kind of hang on one VM: none → SUSPECTED → CONFIRMED → none (RESOLVED is
 * emitted, then the tracker is idle again). Emits an event only on a real change.
 */
public final class HangTracker {
  private final VmId vm;
  private final HangKind kind;
  private final Ticker ticker;
  private @Nullable HangState state; // null when no hang is active
  private Instant since = Instant.EPOCH; // set whenever a hang becomes active
  private @Nullable HangEvent current;

  public HangTracker(VmId vm, HangKind kind, Ticker ticker) {
    this.vm = vm;
    this.kind = kind;
    this.ticker = ticker;
  }

  public boolean active() {
    return state != null;
  }

  /** The active hang's state; null when none is active. */
  public @Nullable HangState state() {
    return state;
  }

  public Optional<HangEvent> current() {
    return Optional.ofNullable(current);
  }

  /** Raises SUSPECTED; no event if already suspected or confirmed. */
  public Optional<HangEvent> suspect(Evidence evidence, Instant sinceWhen) {
    if (state != null) {
      return Optional.empty();
    }
    since = sinceWhen;
    return emit(HangState.SUSPECTED, evidence);
  }

  /** Raises CONFIRMED (from nothing or from SUSPECTED). */
  public Optional<HangEvent> confirm(Evidence evidence, Instant sinceWhen) {
    if (state == HangState.CONFIRMED) {
      return Optional.empty();
    }
    if (state == null) {
      since = sinceWhen;
    }
    return emit(HangState.CONFIRMED, evidence);
  }

  public Optional<HangEvent> resolve(Evidence evidence) {
    if (state == null) {
      return Optional.empty();
    }
    Optional<HangEvent> event = emit(HangState.RESOLVED, evidence);
    state = null;
    current = null;
    return event;
  }

  private Optional<HangEvent> emit(HangState next, Evidence evidence) {
    state = next;
    current = new HangEvent(vm, kind, next, evidence, since, ticker.wallTime());
    return Optional.of(current);
  }
}
