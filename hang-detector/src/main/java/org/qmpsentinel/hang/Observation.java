package org.qmpsentinel.hang;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** Something the agent saw of one VM, stamped with {@link Ticker#nanos()} at {@code atNanos}. */
public sealed interface Observation {
  long atNanos();

  /**
   * A (re)connection to the VM's monitor. Starts STARTUP if the guest has not yet run.
   *
   * @param qemuPackage QEMU's package string; null or empty when the build has none
   */
  record Connected(
      long atNanos, String qemuVersion, @Nullable String qemuPackage, boolean kvm, boolean running)
      implements Observation {}

  /** The monitor connection was lost. */
  record Disconnected(long atNanos) implements Observation {}

  /**
   * A QMP event that matters for detection, stamped when the agent received it. For a RESET this
   * time starts the new boot: polls sent before it never serve as its baseline.
   */
  record Lifecycle(long atNanos, LifecycleEvent event) implements Observation {}

  /** {@code query-status}: QEMU's run state text, e.g. {@code running}, {@code internal-error}. */
  record RunStatus(long atNanos, boolean running, String status) implements Observation {}

  /**
   * One poll of every vCPU.
   *
   * @param atNanos when the poll's replies were all in (the counters were read no later)
   * @param sentAtNanos when its first command was sent (the counters were read no earlier). A poll
   *     sent before the latest RESET and answered after it may hold counters from either side of
   *     the reset, so it is ignored: it neither serves as the new boot's baseline nor as its
   *     evidence.
   */
  record VcpuPoll(long atNanos, long sentAtNanos, List<VcpuSample> vcpus) implements Observation {
    public VcpuPoll {
      if (sentAtNanos > atNanos) {
        throw new IllegalArgumentException(
            "poll sent at " + sentAtNanos + " after it was answered at " + atNanos);
      }
      vcpus = List.copyOf(vcpus);
    }
  }

  /** Registers of one vCPU, read (with the policy's permission) for confirmation. */
  record Registers(long atNanos, int cpuIndex, X86Registers registers) implements Observation {}

  /** How a QMP command ended; timeouts while the process lives mean the monitor is stuck. */
  record CommandOutcome(long atNanos, String command, Outcome outcome, boolean processAlive)
      implements Observation {
    public enum Outcome {
      OK,
      ERROR,
      TIMEOUT
    }
  }

  /** Lifecycle events from QMP. */
  enum LifecycleEvent {
    RESET,
    SHUTDOWN,
    STOP,
    RESUME,
    GUEST_PANICKED
  }

  /**
   * One vCPU in one poll.
   *
   * @param cpuTimeNanos cumulative on-CPU time of the vCPU thread ({@code /proc/<tid>/schedstat});
   *     empty when unreadable
   * @param kvm KVM counters from {@code query-stats}, cumulative since vCPU creation; empty when
   *     this poll has none (QEMU < 7.1, TCG, or the read was not admitted or failed)
   */
  record VcpuSample(
      int cpuIndex, long threadId, OptionalLong cpuTimeNanos, Optional<KvmCounters> kvm) {
    public VcpuSample {
      Objects.requireNonNull(cpuTimeNanos, "cpuTimeNanos");
      Objects.requireNonNull(kvm, "kvm");
    }
  }

  /**
   * KVM's per-vCPU counters by name ({@code exits}, {@code halt_exits}, {@code signal_exits}...).
   */
  record KvmCounters(Map<String, Long> values) {
    public KvmCounters {
      values = Map.copyOf(values);
    }

    public long get(String name) {
      return values.getOrDefault(name, 0L);
    }
  }
}
