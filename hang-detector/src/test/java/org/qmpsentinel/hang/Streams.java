package org.qmpsentinel.hang;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.VcpuSample;

/** Builds synthetic sample streams: cumulative per-vCPU counters advanced one poll at a time. */
final class Streams {
  final ManualTicker ticker = new ManualTicker();
  final VmWatch watch;
  final long[] exits;
  final long[] halts;
  final long[] cpuNs;
  boolean kvm = true;
  final List<HangEvent> events = new ArrayList<>();

  Streams(int vcpus, DetectorSettings settings) {
    watch = VmWatch.create(new VmId("vm", "vm", ""), settings, ticker);
    exits = new long[vcpus];
    halts = new long[vcpus];
    cpuNs = new long[vcpus];
    events.addAll(
        watch.observe(
            new Observation.Connected(0, "7.2.22", "Debian 1:7.2+dfsg-7+deb12u18+b3", true, true)));
  }

  Streams(int vcpus) {
    this(vcpus, DetectorSettings.defaults());
  }

  /** Advances time by one poll and feeds the current counters. */
  void poll(Duration step) {
    ticker.advance(step);
    List<VcpuSample> samples = new ArrayList<>();
    for (int i = 0; i < exits.length; i++) {
      samples.add(
          new VcpuSample(
              i,
              1000 + i,
              OptionalLong.of(cpuNs[i]),
              kvm
                  ? Optional.of(new KvmCounters(Map.of("exits", exits[i], "halt_exits", halts[i])))
                  : Optional.empty()));
    }
    events.addAll(watch.observe(new Observation.VcpuPoll(ticker.nanos(), ticker.nanos(), samples)));
  }

  /** The BSP spins: exits climb, no halts, the thread uses the whole interval. */
  void bspSpins(Duration step) {
    exits[0] += 500;
    cpuNs[0] += step.toNanos();
  }

  void lifecycle(Observation.LifecycleEvent e) {
    events.addAll(watch.observe(new Observation.Lifecycle(ticker.nanos(), e)));
  }

  List<HangEvent> of(HangKind kind) {
    return events.stream().filter(e -> e.kind() == kind).toList();
  }
}
