package org.qmpsentinel.agent.proxy;

import java.time.Duration;
import java.util.Set;
import org.qmpsentinel.hang.IntrusionDecision;

/**
 * The {@code desc} of the GenericError a refused command gets: what was refused, why (the policy's
 * own sentence) and when it will be allowed, so that an operator reading a tool's error output
 * knows what to do.
 */
final class RefusalText {
  /** Refusals that pass with time: the ones defer mode holds. */
  static final Set<String> TEMPORARY = Set.of("startup_ap_sync", "rate_limited", "busy");

  private RefusalText() {}

  static String denied(String command, IntrusionDecision decision) {
    return "qmp-sentinel proxy denied '"
        + command
        + "': "
        + sentence(decision.reason())
        + "; "
        + when(decision.code());
  }

  static String heldTooLong(String command, Duration held, String lastRefusal) {
    return "qmp-sentinel proxy denied '"
        + command
        + "' after holding it for "
        + held.toSeconds()
        + " s (sentinel.proxy.defer-timeout): "
        + sentence(lastRefusal)
        + "; "
        + when(code(lastRefusal));
  }

  private static String when(String code) {
    return switch (code) {
      case "startup_ap_sync" ->
          "allowed once the VM is STEADY (every vCPU has run since the last reset and"
              + " sentinel.detector.startup-settle has passed; GET /api/v1/vms shows the phase)";
      case "rate_limited" -> "allowed again once the VM's rate limit has passed";
      case "busy" -> "allowed once the synchronizing command running now has finished";
      case "not_connected" -> "allowed once the agent has reconnected to the VM's monitor";
      default -> "not allowed through this proxy";
    };
  }

  private static String code(String reason) {
    int colon = reason.indexOf(": ");
    return colon < 0 ? reason : reason.substring(0, colon);
  }

  private static String sentence(String reason) {
    int colon = reason.indexOf(": ");
    return colon < 0 ? reason : reason.substring(colon + 2);
  }
}
