package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.hang.HangKind.AP_STUCK_IN_RESET;
import static org.qmpsentinel.hang.HangKind.BOOT_STALLED_IN_FIRMWARE;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.X86Registers.CpuMode;

/**
 * BOOT_STALLED_IN_FIRMWARE on synthetic streams shaped like the real ones (KVM counters per second,
 * a BSP register sample every 10 s as the sampler takes it in STARTUP): the OVMF pattern fires, the
 * issue's traps stay silent.
 */
class FirmwareStallTest {
  private static final Duration S = Duration.ofSeconds(1);

  /** OVMF's WaitApWakeup: long mode, identity-mapped firmware, RIP within 0x60 bytes. */
  private static X86Registers ovmfBsp(int i) {
    return new X86Registers(
        0,
        0x7fe8_1a20L + (i * 0x18L) % 0x60,
        0x38,
        0,
        0x246,
        false,
        false,
        CpuMode.LONG,
        0x80010033L,
        0x7fc01000L,
        0x668);
  }

  private static X86Registers realModeBsp(int i) {
    return new X86Registers(
        0,
        0x1000 + i * 0x777L % 0xe000,
        0xf000,
        0xf0000,
        2,
        false,
        false,
        CpuMode.REAL,
        0x60000010L,
        0,
        0);
  }

  /** A 64-bit kernel: the upper canonical half (Linux idle=poll's loop lives there). */
  private static X86Registers linuxBsp(int i, boolean halted) {
    return new X86Registers(
        0,
        0xffffffff81e0f1abL + i % 16,
        0x10,
        0,
        0x246,
        halted,
        false,
        CpuMode.LONG,
        0x80050033L,
        0x4f77000L,
        0x350ef0);
  }

  /** Every AP ran once and halted for good (cli; hlt), as OVMF's APs and SeaBIOS-parked ones. */
  private static void apsRanAndHalted(Streams s) {
    for (int ap = 1; ap < s.exits.length; ap++) {
      s.exits[ap] = 3;
      s.halts[ap] = 1;
    }
  }

  /** Runs {@code seconds} of polls with the BSP spinning; a BSP sample every 10 s. */
  private static void spin(Streams s, int seconds, java.util.function.IntFunction<X86Registers> r) {
    for (int i = 0; i < seconds; i++) {
      s.bspSpins(S);
      s.poll(S);
      if (i % 10 == 5) {
        s.events.addAll(
            s.watch.observe(new Observation.Registers(s.ticker.nanos(), 0, r.apply(i))));
      }
    }
  }

  @Test
  void ovmfWaitApWakeupIsSuspectedAfterTheThresholdAndConfirmedHalfAsLongLater() {
    Streams s = new Streams(4);
    apsRanAndHalted(s);
    spin(s, 119, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
    spin(s, 2, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.state()).isEqualTo(HangState.SUSPECTED);
              assertThat(e.evidence().confidence()).isEqualTo(Evidence.Confidence.HIGH);
              assertThat(e.evidence().figures())
                  .containsEntry("bsp_halt_exits_since_boot", 0L)
                  .containsEntry("bsp_rip_window", "7fe81a38-7fe81a68");
            });
    spin(s, 60, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED, HangState.CONFIRMED);
    assertThat(s.of(AP_STUCK_IN_RESET)).as("every AP ran: not a lost INIT").isEmpty();
    assertThat(s.watch.activeHangs())
        .extracting(HangEvent::kind)
        .contains(BOOT_STALLED_IN_FIRMWARE);

    s.lifecycle(LifecycleEvent.RESET);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE))
        .last()
        .extracting(HangEvent::state)
        .isEqualTo(HangState.RESOLVED);
  }

  @Test
  void realModeFirmwareAnywhereInItsSegmentCounts() {
    Streams s = new Streams(2);
    apsRanAndHalted(s);
    spin(s, 125, FirmwareStallTest::realModeBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE))
        .extracting(HangEvent::state)
        .contains(HangState.SUSPECTED);
  }

  @Test
  void theStallResolvesWhenTheBspHaltsAtLast() {
    Streams s = new Streams(2);
    apsRanAndHalted(s);
    spin(s, 125, FirmwareStallTest::ovmfBsp);
    s.halts[0] += 1;
    s.poll(S);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED, HangState.RESOLVED);
  }

  @Test
  void trapBusyKernelWithMaxcpus1AndIdlePollStaysSilent() {
    Streams s = new Streams(4);
    apsRanAndHalted(s); // parked by the firmware, never onlined by the kernel
    spin(s, 600, i -> linuxBsp(i, false)); // idle=poll: the BSP never halts
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
    assertThat(s.watch.wantsCounters()).as("an OS was seen: the boot is over").isFalse();
  }

  @Test
  void trapAVmStartedPausedAndNeverContinuedStaysSilent() {
    Streams s = new Streams(4);
    s.events.addAll(s.watch.observe(new Observation.RunStatus(0, false, "prelaunch")));
    for (int i = 0; i < 600; i++) {
      s.poll(S); // -S: nothing runs, no counter moves, no register sample is taken
    }
    assertThat(s.events).isEmpty();
  }

  @Test
  void trapSingleVcpuFirmwareSpinningStaysSilent() {
    Streams s = new Streams(1);
    spin(s, 600, FirmwareStallTest::realModeBsp);
    assertThat(s.events).isEmpty();
  }

  @Test
  void trapGuestOffliningItsApsAfterBootStaysSilent() {
    Streams s = new Streams(4);
    apsRanAndHalted(s);
    spin(s, 20, FirmwareStallTest::realModeBsp); // firmware
    s.halts[0] += 40; // the kernel idles
    s.poll(S);
    // APs offlined: they halt for good; the BSP is busy with work from now on.
    spin(s, 600, i -> linuxBsp(i, false));
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
  }

  @Test
  void trapGuestRebootingInALoopStaysSilent() {
    Streams s = new Streams(4);
    for (int boot = 0; boot < 30; boot++) {
      apsRanAndHalted(s);
      spin(s, 25, FirmwareStallTest::realModeBsp); // 25 s of firmware, no halt, then a reboot
      s.lifecycle(LifecycleEvent.RESET);
      s.exits[1] += 0; // the APs' counters carry over the reset as KVM's do
      s.poll(S); // the new boot's baseline
    }
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
  }

  @Test
  void anApThatNeverRanIsLeftToApStuckInReset() {
    Streams s = new Streams(4);
    s.exits[1] = 3;
    s.halts[1] = 1; // APs 2 and 3 never entered the guest
    spin(s, 300, FirmwareStallTest::realModeBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
    assertThat(s.of(AP_STUCK_IN_RESET)).isNotEmpty();
  }

  @Test
  void pausedTimeDoesNotCount() {
    Streams s = new Streams(2);
    apsRanAndHalted(s);
    spin(s, 60, FirmwareStallTest::ovmfBsp);
    s.lifecycle(LifecycleEvent.STOP);
    s.events.addAll(s.watch.observe(new Observation.RunStatus(s.ticker.nanos(), false, "paused")));
    for (int i = 0; i < 600; i++) {
      s.poll(S);
    }
    s.lifecycle(LifecycleEvent.RESUME);
    s.events.addAll(s.watch.observe(new Observation.RunStatus(s.ticker.nanos(), true, "running")));
    spin(s, 50, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).as("110 s of running, 600 paused").isEmpty();
    spin(s, 15, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isNotEmpty();
  }

  @Test
  void theThresholdGrowsWithTheVmsEarlierBoots() {
    Streams s = new Streams(2);
    apsRanAndHalted(s);
    spin(s, 40, FirmwareStallTest::realModeBsp);
    s.halts[0] += 1; // the first boot ended after about 40 s of running
    s.poll(S);
    s.lifecycle(LifecycleEvent.RESET);
    s.poll(S);
    s.exits[1] += 3; // the APs run again in the new boot
    s.halts[1] += 1;
    spin(s, 180, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).as("5 x 41 s = 205 s").isEmpty();
    spin(s, 30, FirmwareStallTest::ovmfBsp);
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isNotEmpty();
  }

  @Test
  void missedByDesignAWideLoopInProtectedMode() {
    Streams s = new Streams(2);
    apsRanAndHalted(s);
    spin(
        s,
        600,
        i ->
            new X86Registers(
                0,
                0x100000L + i * 0x3000L,
                0x8,
                0,
                2,
                false,
                false,
                CpuMode.PROTECTED,
                0x11,
                0,
                0));
    assertThat(s.of(BOOT_STALLED_IN_FIRMWARE)).isEmpty();
  }

  @Test
  void aHotPluggedVcpuIsInStartupUntilItHasRun() {
    Streams s = new Streams(2, DetectorSettings.defaults());
    apsRanAndHalted(s);
    s.halts[0] = 5;
    s.exits[0] = 100;
    s.poll(S);
    s.ticker.advance(Duration.ofSeconds(61));
    s.poll(S);
    assertThat(s.watch.phase()).isEqualTo(Phase.STEADY);
    // vCPU 2 is hot-plugged after the boot and has not run (waiting for the guest's INIT/SIPI).
    IntrusionPolicy policy = IntrusionPolicy.qemu72();
    Intrusion readNew = policy.classifyHmp("info registers", OptionalInt.of(2));
    s.watch.observe(
        new Observation.VcpuPoll(
            s.ticker.nanos(),
            s.ticker.nanos(),
            java.util.List.of(
                sample(0, 1000, 101, 6), sample(1, 1001, 3, 1), sample(2, 1002, 0, 0))));
    assertThat(s.watch.startingVcpus()).containsExactly(2);
    IntrusionDecision denied = s.watch.requestIntrusion(readNew);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.code()).isEqualTo("startup_ap_sync");
    assertThat(
            s.watch
                .requestIntrusion(policy.classifyHmp("info registers -a", OptionalInt.empty()))
                .allowed())
        .isFalse();
    IntrusionDecision bsp =
        s.watch.requestIntrusion(policy.classifyHmp("info registers", OptionalInt.of(0)));
    assertThat(bsp.allowed()).isTrue();
    bsp.close();

    s.ticker.advance(Duration.ofSeconds(11));
    s.watch.observe(
        new Observation.VcpuPoll(
            s.ticker.nanos(),
            s.ticker.nanos(),
            java.util.List.of(
                sample(0, 1000, 102, 7), sample(1, 1001, 3, 1), sample(2, 1002, 40, 2))));
    assertThat(s.watch.startingVcpus()).isEmpty();
    assertThat(s.watch.requestIntrusion(readNew).allowed()).isTrue();
  }

  private static Observation.VcpuSample sample(int cpu, long tid, long exits, long halts) {
    return new Observation.VcpuSample(
        cpu,
        tid,
        java.util.OptionalLong.of(exits * 1000),
        java.util.Optional.of(
            new Observation.KvmCounters(Map.of("exits", exits, "halt_exits", halts))));
  }
}
