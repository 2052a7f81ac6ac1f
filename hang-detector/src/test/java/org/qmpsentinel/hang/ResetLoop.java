package org.qmpsentinel.hang;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recorded boots (src/test/resources/traces) played back to back in one simulated QEMU process —
 * the same vCPU threads, KVM counters carried on across RESETs as real ones are — and watched the
 * way the agent watches: a poll every second (jittered), one at once on RESET, {@code query-stats}
 * only when {@link VmWatch#requestIntrusion} admits it, and the register read of {@link
 * VmWatch#confirmationTarget()} when admitted. The registers it answers come from the ground truth:
 * an AP that has not run in the current boot is at the reset vector, any other one is parked in
 * SeaBIOS (the recorded dumps in src/test/resources/registers).
 *
 * <p>Each boot's recorded time 0 is placed {@code firmwareDelay} after its RESET: nothing of the
 * recording has happened before then. A negative delay models a fast host: the recording's first
 * {@code -firmwareDelay} seconds (SeaBIOS waking and parking the APs) are over at the RESET. Past
 * its last line a recording is extrapolated at its last rates (a spinning BSP keeps spinning, a
 * parked AP stays parked).
 */
final class ResetLoop {
  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final long MS = 1_000_000L;

  /** One recorded boot: per line, time and per-vCPU {exits, halt_exits, cpu_ns}. */
  record Recording(String name, double[] t, long[][][] values) {
    int vcpus() {
      return values[0].length;
    }

    /** Counters of vCPU {@code cpu} at recording time {@code tau} seconds (0 before time 0). */
    long[] at(int cpu, double tau) {
      if (tau < t[0]) {
        return new long[] {0, 0, 0};
      }
      int last = t.length - 1;
      int j = 0;
      while (j < last && t[j + 1] <= tau) {
        j++;
      }
      // Linear between recorded lines (counters move continuously); past the last line, at the
      // last interval's rates.
      int from = j == last ? last - 1 : j;
      long[] v = values[j].length > 0 ? values[j][cpu].clone() : new long[3];
      if (from >= 0 && tau > t[j]) {
        double span = t[from + 1] - t[from];
        for (int k = 0; k < 3; k++) {
          double rate = (values[from + 1][cpu][k] - values[from][cpu][k]) / span;
          v[k] += (long) (rate * (tau - t[j]));
        }
      }
      return v;
    }

    /** This recording with some vCPUs' counters replaced. */
    Recording map(String newName, UnaryOperator<long[][][]> f) {
      return new Recording(newName, t, f.apply(deepCopy(values)));
    }

    static Recording load(String trace) {
      List<Double> times = new ArrayList<>();
      List<long[][]> rows = new ArrayList<>();
      InputStream in = ResetLoop.class.getResourceAsStream("/traces/" + trace + ".jsonl");
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          JsonNode poll = JsonMapper.shared().readTree(line);
          times.add(poll.path("t").asDouble());
          List<long[]> row = new ArrayList<>();
          for (JsonNode v : poll.path("vcpus")) {
            row.add(
                new long[] {
                  v.path("kvm").path("exits").asLong(),
                  v.path("kvm").path("halt_exits").asLong(),
                  v.path("cpu_ns").asLong()
                });
          }
          rows.add(row.toArray(new long[0][]));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new Recording(
          trace,
          times.stream().mapToDouble(Double::doubleValue).toArray(),
          rows.toArray(new long[0][][]));
    }

    private static long[][][] deepCopy(long[][][] v) {
      long[][][] c = new long[v.length][][];
      for (int i = 0; i < v.length; i++) {
        c[i] = new long[v[i].length][];
        for (int j = 0; j < v[i].length; j++) {
          c[i][j] = v[i][j].clone();
        }
      }
      return c;
    }
  }

  /**
   * The recorded SeaBIOS boots under KVM with -smp 4, and one derived from them: the maxcpus=1
   * recording with its APs onlined and busy (as in an SMP Linux guest: ~300 exits and 20 ms of CPU
   * a second each, halting often), so that their counters move right up to the next RESET.
   */
  static final Recording HEALTHY = Recording.load("healthy-seabios-smp4-kvm");

  static final Recording STUCK = Recording.load("stuck-bsp-smp4-kvm");
  static final Recording PANIC_BSP_PARKED_APS = Recording.load("linux-maxcpus1-panic-smp4-kvm");
  static final Recording BUSY_APS =
      PANIC_BSP_PARKED_APS.map(
          "busy-aps (derived from linux-maxcpus1-panic-smp4-kvm)",
          v -> {
            for (int j = 0; j < v.length; j++) {
              for (int ap = 1; ap < v[j].length; ap++) {
                double t = PANIC_BSP_PARKED_APS.t()[j];
                v[j][ap][0] += (long) (300 * t);
                v[j][ap][1] += (long) (100 * t);
                v[j][ap][2] += (long) (20e6 * t);
              }
            }
            return v;
          });

  /** One boot of the loop. */
  record Boot(Recording recording, double seconds, Duration firmwareDelay, boolean hung) {}

  /** What happened in one boot. */
  record BootOutcome(
      Boot boot, List<HangEvent> events, BaselineQuality quality, int registerReads) {
    boolean raised() {
      return events.stream()
          .anyMatch(e -> e.state() == HangState.SUSPECTED || e.state() == HangState.CONFIRMED);
    }
  }

  private enum Kind {
    RESET,
    POLL,
    REPLY,
    REGISTERS
  }

  private record Event(long at, int seq, Kind kind, int ref) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      return at != o.at ? Long.compare(at, o.at) : Integer.compare(seq, o.seq);
    }
  }

  private record Poll(long sentAt, boolean stats) {}

  final ManualTicker ticker = new ManualTicker();
  final VmWatch watch;
  private final IntrusionPolicy policy = IntrusionPolicy.qemu72();
  private final Random random;
  private final List<Boot> boots;
  private final long[] bootStart;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final List<Poll> polls = new ArrayList<>();
  private final Map<Integer, Integer> registerTarget = new HashMap<>();
  private final List<List<HangEvent>> eventsByBoot = new ArrayList<>();
  private final List<BaselineQuality> qualityByBoot = new ArrayList<>();
  private final int[] readsByBoot;
  private int seq;
  private int pollsSinceReset;
  private long lastKickAt = Long.MIN_VALUE;
  private boolean resetSeen;

  /** Admission codes of the agent's query-stats requests, and how many came within 500 ms. */
  final Map<String, Integer> statsDecisions = new HashMap<>();

  int baselineReadsInsideKickInterval;

  /** Which polls after a RESET (1 = the first) have their query-stats fail. */
  IntPredicate statsFailsOnPollAfterReset = n -> false;

  /** Polls sent this long before a RESET whose replies arrive this long after it. */
  Duration racePollBeforeReset = Duration.ZERO;

  ResetLoop(List<Boot> boots, DetectorSettings settings, long seed) {
    this.boots = List.copyOf(boots);
    this.random = new Random(seed);
    this.watch = VmWatch.create(new VmId("loop", "loop", ""), settings, ticker);
    this.bootStart = new long[boots.size() + 1];
    this.readsByBoot = new int[boots.size()];
    long t = 0;
    for (int k = 0; k < boots.size(); k++) {
      bootStart[k] = t;
      t += (long) (boots.get(k).seconds() * 1e9);
      eventsByBoot.add(new ArrayList<>());
    }
    bootStart[boots.size()] = t;
  }

  List<BootOutcome> run() {
    watch.observe(new Observation.Connected(0, "7.2.22", "", true, true));
    for (int k = 1; k < boots.size(); k++) {
      schedule(bootStart[k], Kind.RESET, k);
      if (!racePollBeforeReset.isZero()) {
        long sent = bootStart[k] - racePollBeforeReset.toNanos();
        schedule(sent, Kind.POLL, 0);
      }
    }
    schedule(MS, Kind.POLL, 0); // the agent polls at once on connect
    long end = bootStart[boots.size()];
    while (!queue.isEmpty()) {
      Event e = queue.poll();
      if (e.at() >= end) {
        break;
      }
      ticker.set(e.at());
      switch (e.kind()) {
        case RESET -> onReset(e.ref());
        case POLL -> onPollSent(e.at(), e.ref() == 0);
        case REPLY -> onReply(e.ref());
        case REGISTERS -> onRegisters(e.ref());
      }
    }
    qualityByBoot.add(watch.baselineQuality());
    List<BootOutcome> outcomes = new ArrayList<>();
    for (int k = 0; k < boots.size(); k++) {
      outcomes.add(
          new BootOutcome(boots.get(k), eventsByBoot.get(k), qualityByBoot.get(k), readsByBoot[k]));
    }
    return outcomes;
  }

  private void schedule(long at, Kind kind, int ref) {
    queue.add(new Event(at, seq++, kind, ref));
  }

  private int bootAt(long t) {
    int k = 0;
    while (k + 1 < boots.size() && bootStart[k + 1] <= t) {
      k++;
    }
    return k;
  }

  private void record(List<HangEvent> events) {
    int k = bootAt(ticker.nanos());
    eventsByBoot.get(k).addAll(events);
  }

  private void onReset(int k) {
    qualityByBoot.add(watch.baselineQuality()); // boot k-1's final grade
    record(watch.observe(new Observation.Lifecycle(ticker.nanos(), LifecycleEvent.RESET)));
    pollsSinceReset = 0;
    resetSeen = true;
    schedule(ticker.nanos() + MS, Kind.POLL, 1); // the agent polls at once on RESET
  }

  /** Regular polls (ref 0 from the schedule) reschedule themselves; extra ones do not. */
  private void onPollSent(long at, boolean regular) {
    if (regular && at >= MS && at < bootStart[boots.size()] && !racing(at)) {
      long jitter = (long) (INTERVAL.toNanos() * 0.1 * (random.nextDouble() * 2 - 1));
      schedule(at + INTERVAL.toNanos() + jitter, Kind.POLL, 0);
    }
    boolean baselinePending = watch.awaitingBaseline();
    pollsSinceReset++;
    IntrusionDecision d =
        watch.requestIntrusion(policy.classifyQmp("query-stats", Map.of("target", "vcpu")));
    statsDecisions.merge(d.code(), 1, Integer::sum);
    if (d.allowed()) {
      if (baselinePending
          && lastKickAt != Long.MIN_VALUE
          && at - lastKickAt < Duration.ofMillis(500).toNanos()) {
        baselineReadsInsideKickInterval++;
      }
      lastKickAt = at;
    }
    boolean stats = d.allowed() && !(resetSeen && statsFailsOnPollAfterReset.test(pollsSinceReset));
    d.close();
    polls.add(new Poll(at, stats));
    long reply = at + (racing(at) ? 2 * racePollBeforeReset.toNanos() : 2 * MS);
    schedule(reply, Kind.REPLY, polls.size() - 1);
  }

  private boolean racing(long sentAt) {
    if (racePollBeforeReset.isZero()) {
      return false;
    }
    for (int k = 1; k < boots.size(); k++) {
      if (bootStart[k] - sentAt == racePollBeforeReset.toNanos()) {
        return true;
      }
    }
    return false;
  }

  private void onReply(int index) {
    Poll p = polls.get(index);
    // QEMU read the counters 1 ms after the request (before a RESET that came later).
    long readAt = racing(p.sentAt()) ? p.sentAt() + MS / 2 : p.sentAt() + MS;
    List<VcpuSample> samples = new ArrayList<>();
    for (int cpu = 0; cpu < vcpus(); cpu++) {
      long[] v = truth(cpu, readAt);
      long[] cpuNow = truth(cpu, ticker.nanos());
      samples.add(
          new VcpuSample(
              cpu,
              1000 + cpu,
              OptionalLong.of(cpuNow[2]),
              p.stats()
                  ? Optional.of(new KvmCounters(Map.of("exits", v[0], "halt_exits", v[1])))
                  : Optional.empty()));
    }
    record(watch.observe(new Observation.RunStatus(ticker.nanos(), true, "running")));
    record(watch.observe(new Observation.VcpuPoll(ticker.nanos(), p.sentAt(), samples)));
    maybeReadRegisters();
  }

  private void maybeReadRegisters() {
    OptionalInt target = watch.confirmationTarget();
    if (target.isEmpty()) {
      return;
    }
    int ap = target.getAsInt();
    IntrusionDecision d =
        watch.requestIntrusion(policy.classifyHmp("info registers", OptionalInt.of(ap)));
    if (!d.allowed()) {
      return;
    }
    readsByBoot[bootAt(ticker.nanos())]++;
    int id = seq;
    registerTarget.put(id, ap);
    schedule(ticker.nanos() + 5 * MS, Kind.REGISTERS, id);
    pendingRelease.put(id, d);
  }

  private final Map<Integer, IntrusionDecision> pendingRelease = new HashMap<>();

  private void onRegisters(int id) {
    int ap = registerTarget.remove(id);
    pendingRelease.remove(id).close();
    String dump =
        ranInThisBoot(ap, ticker.nanos()) ? "seabios-idle-16bit-kvm" : "reset-vector-16bit-kvm";
    X86Registers regs = registers(dump, ap);
    record(watch.observe(new Observation.Registers(ticker.nanos(), ap, regs)));
  }

  static X86Registers registers(String dump, int cpu) {
    try (InputStream in = ResetLoop.class.getResourceAsStream("/registers/" + dump + ".txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      // The reset-vector dump is of every vCPU of a stuck boot: take an AP's (the BSP spins).
      return X86RegistersParser.parse(text, cpu).values().stream()
          .filter(r -> !dump.startsWith("reset") || r.ip() == 0xfff0L)
          .findFirst()
          .orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int vcpus() {
    return boots.get(0).recording().vcpus();
  }

  /** Ground truth: whether the AP has entered the guest since the current boot's RESET. */
  boolean ranInThisBoot(int cpu, long at) {
    int k = bootAt(at);
    Boot b = boots.get(k);
    double tau = (at - bootStart[k] - b.firmwareDelay().toNanos()) / 1e9;
    return b.recording().at(cpu, tau)[0] > 0;
  }

  /** Ground truth: cumulative counters of a vCPU at time {@code at}, across every boot so far. */
  long[] truth(int cpu, long at) {
    int k = bootAt(at);
    long[] total = new long[3];
    for (int i = 0; i <= k; i++) {
      Boot b = boots.get(i);
      long until = i < k ? bootStart[i + 1] : at;
      double tau = (until - bootStart[i] - b.firmwareDelay().toNanos()) / 1e9;
      long[] v = b.recording().at(cpu, tau);
      for (int c = 0; c < 3; c++) {
        total[c] += v[c];
      }
    }
    return total;
  }
}
