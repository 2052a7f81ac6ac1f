package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;

/** Properties over generated sample streams. */
class DetectorPropertiesTest {
  private static final Duration S = Duration.ofSeconds(1);

  /**
   * Whatever the BSP does (spin, halt, idle), whenever each AP is woken and whatever it does after
   * (parked or busy), and with pauses and resets in between, a boot whose APs all entered the guest
   * never raises AP_STUCK_IN_RESET.
   */
  @Property(tries = 300)
  void healthyBootsNeverFire(
      @ForAll @IntRange(min = 2, max = 8) int vcpus,
      @ForAll @Size(min = 8, max = 8) List<@IntRange(min = 0, max = 4) Integer> wakePoll,
      @ForAll @Size(min = 8, max = 8) List<Boolean> apStaysBusy,
      @ForAll @Size(min = 40, max = 40) List<@IntRange(min = 0, max = 9) Integer> bspBehaviour,
      @ForAll @IntRange(min = -1, max = 39) int resetAt,
      @ForAll @IntRange(min = -1, max = 39) int pauseAt) {
    Streams s = new Streams(vcpus);
    int bootStart = 0;
    for (int i = 0; i < 40; i++) {
      if (i == resetAt) {
        s.lifecycle(LifecycleEvent.RESET);
        s.poll(Duration.ofMillis(5));
        bootStart = i;
      }
      if (i == pauseAt) {
        s.lifecycle(LifecycleEvent.STOP);
      }
      if (i == pauseAt + 5) {
        s.lifecycle(LifecycleEvent.RESUME);
      }
      int b = bspBehaviour.get(i);
      s.exits[0] += b == 0 ? 0 : 100 * b;
      s.halts[0] += b % 3 == 0 ? 1 : 0;
      s.cpuNs[0] += b > 4 ? S.toNanos() : S.toNanos() / 10;
      for (int ap = 1; ap < vcpus; ap++) {
        boolean woken = i - bootStart >= wakePoll.get(ap % 8);
        if (woken && (i - bootStart == wakePoll.get(ap % 8) || apStaysBusy.get(ap % 8))) {
          s.exits[ap] += 25;
          s.halts[ap] += 1;
          s.cpuNs[ap] += 3_000_000;
        }
      }
      s.poll(S);
    }
    assertThat(s.of(HangKind.AP_STUCK_IN_RESET)).isEmpty();
  }

  /** Any number of stuck APs beside woken ones, any spin rate: SUSPECTED within 5 s of evidence. */
  @Property(tries = 300)
  void stuckApsAreAlwaysSuspected(
      @ForAll @IntRange(min = 2, max = 8) int vcpus,
      @ForAll @IntRange(min = 1, max = 7) int stuckCount,
      @ForAll @LongRange(min = 1, max = 100_000) long spinExitsPerSecond,
      @ForAll boolean kvm) {
    Streams s = new Streams(vcpus);
    s.kvm = kvm;
    int firstStuck = Math.max(1, vcpus - stuckCount);
    for (int ap = 1; ap < firstStuck; ap++) {
      s.exits[ap] = 30;
      s.cpuNs[ap] = 5_000_000;
    }
    for (int i = 0; i < 7; i++) {
      s.exits[0] += spinExitsPerSecond;
      s.cpuNs[0] += S.toNanos();
      s.poll(S);
    }
    List<HangEvent> suspected = s.of(HangKind.AP_STUCK_IN_RESET);
    assertThat(suspected).extracting(HangEvent::state).containsExactly(HangState.SUSPECTED);
    List<Integer> expected = new ArrayList<>();
    for (int ap = firstStuck; ap < vcpus; ap++) {
      expected.add(ap);
    }
    assertThat(suspected.get(0).evidence().figures()).containsEntry("stuck_aps", expected);
    assertThat(suspected.get(0).evidence().confidence())
        .isEqualTo(kvm ? Evidence.Confidence.HIGH : Evidence.Confidence.LOW);
  }

  /**
   * Garbage in: vCPU threads replaced, counters going backwards or wrapping, vCPUs vanishing and
   * coming back, missing samples. Nothing throws and nothing is suspected while the APs keep
   * exiting.
   */
  @Property(tries = 300)
  void chaoticCountersNeverThrowNorFalselyFire(
      @ForAll @Size(min = 30, max = 30) List<@IntRange(min = 0, max = 5) Integer> chaos,
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE)
          long big) { // 0 would be a genuinely stuck AP
    ManualTicker ticker = new ManualTicker();
    VmWatch w = VmWatch.create(new VmId("c", "c", ""), DetectorSettings.defaults(), ticker);
    w.observe(new Observation.Connected(0, "7.2.22", "", true, true));
    long exits = 10;
    List<HangEvent> events = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ticker.advance(S);
      exits += 7;
      int c = chaos.get(i);
      long apExits =
          switch (c) {
            case 0 -> exits;
            case 1 -> exits - 1000; // backwards
            case 2 -> big; // huge / wrapped
            default -> exits + c;
          };
      List<VcpuSample> samples = new ArrayList<>();
      samples.add(sample(0, 1000, exits * 50, 0));
      if (c != 3) { // c == 3: the AP's sample is missing this time
        samples.add(sample(1, c == 4 ? 2000 + i : 1001, apExits, 1)); // c == 4: new thread id
      }
      events.addAll(w.observe(new Observation.VcpuPoll(ticker.nanos(), ticker.nanos(), samples)));
      w.tick();
    }
    assertThat(events).noneMatch(e -> e.kind() == HangKind.AP_STUCK_IN_RESET);
    assertThat(events).isEmpty();
  }

  private static VcpuSample sample(int cpu, long tid, long exits, long halts) {
    return new VcpuSample(
        cpu,
        tid,
        OptionalLong.of(exits * 1000),
        Optional.of(new KvmCounters(Map.of("exits", exits, "halt_exits", halts))));
  }
}
