package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Real QEMU runs on this machine, recorded by scripts/record-trace, replayed through VmWatch. */
class TraceReplayTest {

  static List<HangEvent> replay(String trace, DetectorSettings settings) throws IOException {
    ManualTicker ticker = new ManualTicker();
    VmWatch watch = VmWatch.create(new VmId(trace, trace, ""), settings, ticker);
    List<HangEvent> events = new ArrayList<>();
    boolean connected = false;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                TraceReplayTest.class.getResourceAsStream("/traces/" + trace + ".jsonl"),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode poll = JsonMapper.shared().readTree(line);
        ticker.set((long) (poll.path("t").asDouble() * 1e9));
        if (!connected) {
          events.addAll(
              watch.observe(
                  new Observation.Connected(
                      ticker.nanos(), "7.2.22", "", true, poll.path("running").asBoolean())));
          connected = true;
        }
        for (JsonNode event : poll.path("events")) {
          String name = event.asString();
          if (List.of("RESET", "SHUTDOWN", "STOP", "RESUME", "GUEST_PANICKED").contains(name)) {
            events.addAll(
                watch.observe(
                    new Observation.Lifecycle(ticker.nanos(), LifecycleEvent.valueOf(name))));
          }
        }
        events.addAll(
            watch.observe(
                new Observation.RunStatus(
                    ticker.nanos(),
                    poll.path("running").asBoolean(),
                    poll.path("status").asString())));
        List<VcpuSample> samples = new ArrayList<>();
        for (JsonNode v : poll.path("vcpus")) {
          Optional<KvmCounters> kvm = Optional.empty();
          if (v.path("kvm").isObject()) {
            Map<String, Long> counters = new HashMap<>();
            v.path("kvm")
                .properties()
                .forEach(e -> counters.put(e.getKey(), e.getValue().asLong()));
            kvm = Optional.of(new KvmCounters(counters));
          }
          OptionalLong cpu =
              v.path("cpu_ns").isNumber()
                  ? OptionalLong.of(v.path("cpu_ns").asLong())
                  : OptionalLong.empty();
          samples.add(new VcpuSample(v.path("cpu").asInt(), v.path("tid").asLong(), cpu, kvm));
        }
        events.addAll(
            watch.observe(new Observation.VcpuPoll(ticker.nanos(), ticker.nanos(), samples)));
        if (poll.path("bsp_registers").isString()) {
          X86Registers bsp =
              X86RegistersParser.parse(poll.path("bsp_registers").asString(), 0).get(0);
          if (bsp != null) {
            events.addAll(watch.observe(new Observation.Registers(ticker.nanos(), 0, bsp)));
          }
        }
      }
    }
    return events;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "healthy-seabios-smp4-kvm",
        "healthy-seabios-smp4-tcg",
        "linux-smp2-kvm",
        "linux-maxcpus1-panic-smp4-kvm",
        "linux-kernel-maxcpus1-idlepoll-smp2-tcg",
        "ovmf-healthy-smp2-tcg"
      })
  void healthyRunsRaiseNothing(String trace) throws IOException {
    assertThat(replay(trace, DetectorSettings.defaults())).isEmpty();
    // Even with hair-trigger timing (evidence needed for one poll only) nothing fires.
    DetectorSettings eager =
        new DetectorSettings(
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            Duration.ofMillis(500),
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            List.of(),
            3,
            Duration.ofMillis(250),
            Duration.ofSeconds(120));
    assertThat(replay(trace, eager)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"stuck-bsp-smp4-kvm", "stuck-bsp-smp4-tcg"})
  void stuckRunsAreDetected(String trace) throws IOException {
    // The recordings last 15 s; confirmation by time alone needs 5 + 10 s of evidence, so replay
    // with a 5 s confirm period (in the agent, the register read confirms much sooner).
    DetectorSettings settings =
        new DetectorSettings(
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            Duration.ofMillis(500),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            List.of(),
            3,
            Duration.ofMillis(250),
            Duration.ofSeconds(120));
    assertThat(replay(trace, DetectorSettings.defaults()))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED);
    List<HangEvent> events = replay(trace, settings);
    assertThat(events).isNotEmpty().allMatch(e -> e.kind() == HangKind.AP_STUCK_IN_RESET);
    assertThat(events.get(0).state()).isEqualTo(HangState.SUSPECTED);
    assertThat(events.get(0).evidence().figures()).containsEntry("stuck_aps", List.of(1, 2, 3));
    assertThat(events.get(0).evidence().confidence())
        .isEqualTo(trace.endsWith("kvm") ? Evidence.Confidence.HIGH : Evidence.Confidence.LOW);
    assertThat(events).extracting(HangEvent::state).contains(HangState.CONFIRMED);
  }

  /** OVMF's WaitApWakeup end state (deploy/guests/ovmf-stall.asm), BSP samples every 5 s. */
  @org.junit.jupiter.api.Test
  void theOvmfStallIsFoundFromItsRecording() throws IOException {
    List<HangEvent> events = replay("ovmf-stall-smp4-kvm", DetectorSettings.defaults());
    assertThat(events).extracting(HangEvent::kind).containsOnly(HangKind.BOOT_STALLED_IN_FIRMWARE);
    assertThat(events.get(0).state()).isEqualTo(HangState.SUSPECTED);
    assertThat(events.get(0).evidence().figures()).containsEntry("bsp_halt_exits_since_boot", 0L);
  }
}
