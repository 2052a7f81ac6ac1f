package org.qmpsentinel.agent.supervisor;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.qmpsentinel.hang.VmId;

/**
 * One watched VM, whichever way it is watched: its own QMP socket ({@link VmSupervisor}) or
 * libvirt's API ({@link ObservedVm}). What the registry and the API need of it.
 */
public interface WatchedVm extends AutoCloseable {
  String key();

  /** The latest published snapshot; safe from any thread. */
  VmSnapshot snapshot();

  /** The VM's identity as the detector knows it: its UUID, else its name. */
  default VmId vmId() {
    VmSnapshot s = snapshot();
    return new VmId(s.uuid().isEmpty() ? s.name() : s.uuid(), s.name(), s.uuid());
  }

  /** Outcome of an operator's HMP request. */
  record HmpResult(boolean allowed, String reason, String output) {}

  /**
   * Runs an HMP command on the VM's pipeline, only if the intrusion policy allows it now; otherwise
   * completes with {@code allowed=false} and the reason.
   */
  CompletableFuture<HmpResult> runHmp(String commandLine, OptionalInt cpuIndex);

  @Override
  void close();
}
