package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.testsupport.Guests;
import org.qmpsentinel.agent.testsupport.LinuxGuest;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.X86Registers.CpuMode;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * BOOT_STALLED_IN_FIRMWARE against real QEMU: the crafted OVMF-pattern firmware (KVM) is found; the
 * issue's traps stay silent — a VM started with {@code -S} and never continued, {@code -smp 1}
 * firmware spinning (KVM), and Linux (TCG, the fixture image's kernel) booted with {@code -kernel}
 * and {@code maxcpus=1 idle=poll}, offlining its AP after boot, and rebooting in a loop. The
 * agent's supervisor runs as shipped except for a 30 s threshold (default 120 s) and a register
 * sample every second, so the traps are watched for longer than twice the threshold.
 */
class FirmwareStallIT {
  private static final Duration THRESHOLD = Duration.ofSeconds(30);
  private static final Duration WATCH = THRESHOLD.multipliedBy(2).plusSeconds(15);

  private static Path dir;
  private static QmpClient client;
  private static ScheduledExecutorService scheduler;
  private static final Map<String, List<HangEvent>> events = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("firmware-stall-it");
    client = QmpClient.create();
    scheduler = Executors.newScheduledThreadPool(2);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    scheduler.shutdownNow();
  }

  private static SupervisorSettings settings() {
    SupervisorSettings d = SupervisorSettings.defaults();
    DetectorSettings detector = d.detector();
    return d.withDetector(
            new DetectorSettings(
                detector.startupSettle(),
                Duration.ofSeconds(1), // sync-min-interval: one register read a second
                detector.kickMinInterval(),
                detector.suspectAfter(),
                detector.confirmAfter(),
                detector.fixedQemu(),
                detector.monitorTimeoutsToSuspect(),
                detector.baselineGrace(),
                THRESHOLD))
        .withRegisters(new RegisterSettings(true, Duration.ofSeconds(1), List.of()));
  }

  private static VmSupervisor watch(QemuVm vm) {
    List<HangEvent> mine = new CopyOnWriteArrayList<>();
    events.put(vm.name(), mine);
    return VmSupervisor.start(
        new DiscoveredVm(
            "test",
            vm.name(),
            QmpEndpoint.unix(vm.socket()),
            Optional.empty(),
            OptionalLong.of(vm.pid())),
        settings(),
        new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
        new SupervisorListener() {
          @Override
          public void onHangEvent(VmSnapshot s, HangEvent event) {
            mine.add(event);
          }
        });
  }

  /**
   * Under TCG: no firmware stall at all, and nothing high-confidence or confirmed. One kind of
   * noise is known and tolerated here: without KVM counters, AP_STUCK_IN_RESET falls back to host
   * CPU time (low confidence), and a slow TCG boot under load can hold an AP back for longer than
   * {@code suspect-after} (the rebooting guest, once in a CI-like run: SUSPECTED at 6.1 s, RESOLVED
   * 1.1 s later by the register read). Such a suspicion is counted, not hidden: it prints, and a
   * confirmed one fails. Making the CPU-time fallback wait for a register read is the fix
   * (docs/fixture.md, next steps).
   */
  private static boolean silentUnderTcg(String vm) {
    return events.getOrDefault(vm, List.of()).stream()
        .noneMatch(
            e ->
                e.kind() == HangKind.BOOT_STALLED_IN_FIRMWARE
                    || e.state() == HangState.CONFIRMED
                    || (e.state() == HangState.SUSPECTED
                        && e.evidence().confidence() != Evidence.Confidence.LOW));
  }

  private static List<HangKind> kinds(String vm) {
    return events.getOrDefault(vm, List.of()).stream().map(HangEvent::kind).toList();
  }

  @Test
  void theOvmfPatternIsFoundAndIsNotALostInit() throws Exception {
    assumeTrue(QemuVm.kvmUsable(), "the crafted firmware's IT needs KVM");
    try (QemuVm vm =
            QemuVm.start(
                "fw-ovmf-stall",
                4,
                dir,
                "kvm",
                List.of("-bios", Guests.ovmfStallRom().toString()));
        VmSupervisor s = watch(vm)) {
      await("BOOT_STALLED_IN_FIRMWARE")
          .atMost(THRESHOLD.plusSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> kinds(vm.name()).contains(HangKind.BOOT_STALLED_IN_FIRMWARE));
      HangEvent stalled =
          events.get(vm.name()).stream()
              .filter(e -> e.kind() == HangKind.BOOT_STALLED_IN_FIRMWARE)
              .findFirst()
              .orElseThrow();
      assertThat(stalled.state()).isEqualTo(HangState.SUSPECTED);
      assertThat(stalled.evidence().figures()).containsEntry("bsp_halt_exits_since_boot", 0L);
      assertThat(kinds(vm.name())).doesNotContain(HangKind.AP_STUCK_IN_RESET);
      // The samples behind it: the BSP only (STARTUP), in protected mode, never halted.
      assertThat(s.snapshot().registers())
          .isNotEmpty()
          .allSatisfy(
              r -> {
                assertThat(r.cpuIndex()).isZero();
                assertThat(r.registers().mode()).isEqualTo(CpuMode.PROTECTED);
                assertThat(r.registers().halted()).isFalse();
              });
    }
  }

  @Test
  void firmwareTrapsStaySilent() throws Exception {
    assumeTrue(QemuVm.kvmUsable(), "the firmware traps run under KVM");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      // -S: would stall if it ever ran; it never does.
      QemuVm paused =
          QemuVm.start(
              "fw-never-continued",
              4,
              dir,
              "kvm",
              List.of("-S", "-bios", Guests.ovmfStallRom().toString()));
      open.add(paused);
      open.add(watch(paused));
      // -smp 1: the BSP spins in firmware forever, but there is no AP to wait for.
      QemuVm single =
          QemuVm.start(
              "fw-smp1-spinning", 1, dir, "kvm", List.of("-bios", Guests.stuckBspRom().toString()));
      open.add(single);
      VmSupervisor singleWatch = watch(single);
      open.add(singleWatch);
      await("silence for " + WATCH)
          .during(WATCH)
          .atMost(WATCH.plusSeconds(10))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> kinds("fw-never-continued").isEmpty() && kinds("fw-smp1-spinning").isEmpty());
      // The -smp 1 VM was sampled all along: silence is not for lack of evidence.
      assertThat(singleWatch.snapshot().registers()).isNotEmpty();
    } finally {
      closeAll(open);
    }
  }

  @Test
  void tcgTrapsStaySilent() throws Exception {
    Optional<LinuxGuest.Kernel> kernel = LinuxGuest.copyTo(dir.resolve("kernel"));
    Path ovmf = Path.of("/usr/share/ovmf/OVMF.fd");
    Map<String, List<String>> guests = new java.util.LinkedHashMap<>();
    if (kernel.isPresent()) {
      String k = kernel.get().kernel().toString();
      String initrd = kernel.get().initrd().toString();
      guests.put(
          "linux-busy-maxcpus1",
          linux(k, initrd, "maxcpus=1 idle=poll", "busybox sleep 100000", dir, "busy"));
      guests.put(
          "linux-offlines-aps",
          linux(
              k,
              initrd,
              "",
              "busybox mount -t sysfs sysfs /sys; echo 0 > /sys/devices/system/cpu/cpu1/online;"
                  + " echo offlined; busybox sleep 100000",
              dir,
              "offline"));
      guests.put(
          "linux-reboot-loop",
          linux(k, initrd, "", "echo booted; busybox reboot -f", dir, "reboot"));
    }
    if (Files.isReadable(ovmf)) {
      // OVMF itself (Debian's ovmf package), no disk: its BSP must end the boot by halting.
      guests.put("ovmf-tcg", List.of("-m", "256", "-bios", ovmf.toString()));
    }
    assumeTrue(!guests.isEmpty(), "neither the fixture image's kernel nor OVMF is here");
    List<AutoCloseable> open = new ArrayList<>();
    Map<String, VmSupervisor> watched = new java.util.LinkedHashMap<>();
    try {
      for (var guest : guests.entrySet()) {
        QemuVm vm = QemuVm.start(guest.getKey(), 2, dir, "tcg", guest.getValue());
        open.add(vm);
        VmSupervisor s = watch(vm);
        open.add(s);
        watched.put(guest.getKey(), s);
      }
      await("silence for " + WATCH)
          .during(WATCH)
          .atMost(WATCH.plusSeconds(10))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> guests.keySet().stream().allMatch(g -> silentUnderTcg(g)));
      guests.keySet().stream()
          .flatMap(g -> events.getOrDefault(g, List.of()).stream())
          .forEach(
              e ->
                  System.out.printf(
                      "tcg trap: tolerated %s %s %s%n", e.vm().name(), e.kind(), e.state()));
      // Each trap was what it claims to be.
      if (kernel.isPresent()) {
        assertThat(Files.readString(dir.resolve("offline.serial"))).contains("offlined");
        assertThat(Files.readString(dir.resolve("reboot.serial")).split("booted", -1).length - 1)
            .as("boots of the rebooting guest")
            .isGreaterThanOrEqualTo(2);
        assertThat(watched.get("linux-busy-maxcpus1").snapshot().registers())
            .as("the busy BSP was sampled, and seen in the kernel")
            .anyMatch(r -> r.registers().mode() == CpuMode.LONG && r.registers().ip() < 0);
      }
      if (watched.containsKey("ovmf-tcg")) {
        assertThat(watched.get("ovmf-tcg").snapshot().registers())
            .as("OVMF's BSP was sampled in long mode")
            .anyMatch(r -> r.cpuIndex() == 0 && r.registers().mode() == CpuMode.LONG);
      }
    } finally {
      closeAll(open);
    }
  }

  private static void closeAll(List<AutoCloseable> open) throws Exception {
    List<AutoCloseable> reversed = new ArrayList<>(open);
    java.util.Collections.reverse(reversed);
    for (AutoCloseable c : reversed) {
      c.close();
    }
  }

  /** Linux with busybox as init running {@code script}, its console in {@code <name>.serial}. */
  private static List<String> linux(
      String kernel, String initrd, String params, String script, Path dir, String name) {
    return List.of(
        "-m",
        "256",
        "-kernel",
        kernel,
        "-initrd",
        initrd,
        "-serial",
        "file:" + dir.resolve(name + ".serial"),
        "-append",
        "console=ttyS0 loglevel=4 panic=-1 "
            + params
            + " rdinit=/bin/busybox -- sh -c \""
            + script
            + "\"");
  }
}
