package org.qmpsentinel.agent.proxy;

import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One command of a client, from its arrival to its reply. In-band commands of one client are sent
 * to QEMU and answered in the order the client wrote them, as QEMU itself would: a command waiting
 * for admission (or held until STEADY) holds back the ones behind it, and a reply the proxy writes
 * itself never overtakes an earlier command's reply from QEMU. Confined to the client's event loop.
 */
final class InBandCommand {
  enum State {
    QUEUED,
    /** Asked the VM's policy; the answer is on its way. */
    ADMITTING,
    /** Deferred: refused for now, asked again until allowed or the hold times out. */
    HELD,
    SENT,
    DONE
  }

  final @Nullable JsonNode clientId;
  final ObjectNode message;
  final CommandGate.Verdict verdict;
  State state = State.QUEUED;
  @Nullable ObjectNode reply;

  /** When it was first held ({@code System.nanoTime()}), or -1. */
  long heldSince = -1;

  /** The hold timed out while an admission was on its way: close what that admission grants. */
  boolean expired;

  /** The last reason the policy gave while it was held. */
  String lastRefusal = "";

  @Nullable ScheduledFuture<?> retry;
  @Nullable ScheduledFuture<?> timeout;

  InBandCommand(@Nullable JsonNode clientId, ObjectNode message, CommandGate.Verdict verdict) {
    this.clientId = clientId;
    this.message = message;
    this.verdict = verdict;
  }

  void done(ObjectNode reply) {
    this.reply = reply;
    this.state = State.DONE;
    cancelTimers();
  }

  void cancelTimers() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
