package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.qmp.QmpClient;
import tools.jackson.databind.JsonNode;

/**
 * One VM's pipeline against a scripted monitor, with poll timers and the clock under the test's
 * control and no QEMU: the orderings that decide what the detector sees.
 */
class VmPipelineTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final ManualTicker ticker = new ManualTicker();
  private QmpClient client;
  private ScriptedMonitor monitor;

  private VmSupervisor supervisor;

  private final List<HangEvent> hangs = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    client = QmpClient.create();
    monitor = new ScriptedMonitor();
  }

  private void watch(SupervisorSettings settings) {
    supervisor =
        VmSupervisor.start(
            new DiscoveredVm(
                "test", "vm-1", monitor.endpoint(), Optional.empty(), OptionalLong.empty()),
            settings,
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), ticker),
            new SupervisorListener() {
              @Override
              public void onHangEvent(VmSnapshot vm, HangEvent event) {
                hangs.add(event);
              }
            });
  }

  private void watchIdentified() throws Exception {
    // The register sampler has its own test (RegisterSamplerTest): its timer would interleave.
    watch(SupervisorSettings.defaults().withRegisters(RegisterSettings.off()));
    monitor.identify(true);
  }

  @AfterEach
  void stop() throws Exception {
    if (supervisor != null) {
      supervisor.close();
    }
    monitor.close();
    client.close();
    scheduler.shutdownNow();
  }

  @Test
  void aStopBetweenAPollsStatusReplyAndItsOtherRepliesIsNotOverwrittenByThatStatus()
      throws Exception {
    watchIdentified();
    JsonNode status = monitor.expect("query-status");
    JsonNode cpus = monitor.expect("query-cpus-fast");
    JsonNode stats = monitor.expect("query-stats");

    monitor.status(status, true); // QEMU answered "running"...
    monitor.event("STOP"); // ...then paused the VM, before answering the rest of the poll
    monitor.cpus(cpus, 2);
    monitor.stats(stats, new long[] {10, 0}, new long[] {0, 0});

    await().until(() -> supervisor.snapshot().vcpus().size() == 2);
    assertThat(supervisor.snapshot().running())
        .as("the STOP came after the status reply, so the VM is paused")
        .isFalse();
  }

  @Test
  void aPollSentBeforeAResetIsNotTheNewBootsBaselineAndAFreshOneIsReadAtOnce() throws Exception {
    watchIdentified();
    JsonNode status = monitor.expect("query-status");
    JsonNode cpus = monitor.expect("query-cpus-fast");
    JsonNode stats = monitor.expect("query-stats");
    monitor.status(status, true);
    monitor.event("RESET"); // the guest reset while the poll was in flight
    monitor.cpus(cpus, 2);
    monitor.stats(stats, new long[] {900, 700}, new long[] {40, 30});

    // No timer fires and no time passes: the only way a poll comes now is the RESET's own, and it
    // must read KVM counters although one was read a moment ago (the baseline is always admitted).
    assertThat(scheduler.pendingTimers()).isEqualTo(1);
    JsonNode status2 = monitor.expect("query-status");
    JsonNode cpus2 = monitor.expect("query-cpus-fast");
    JsonNode stats2 = monitor.expect("query-stats");
    monitor.status(status2, true);
    monitor.cpus(cpus2, 2);
    monitor.stats(stats2, new long[] {905, 700}, new long[] {40, 30});
    await().until(() -> supervisor.snapshot().vcpus().size() == 2);
    assertThat(supervisor.snapshot().vcpus().get(0).exits()).isEqualTo(905);
  }

  @Test
  void aPollIsSentOnlyWhenTheTimerFiresAndNeverTwiceAtOnce() throws Exception {
    watchIdentified();
    JsonNode status = monitor.expect("query-status");
    JsonNode cpus = monitor.expect("query-cpus-fast");
    JsonNode stats = monitor.expect("query-stats");

    ticker.advance(Duration.ofSeconds(1));
    scheduler.fireAll(); // the tick finds the first poll unanswered: it sends nothing
    monitor.status(status, true);
    monitor.cpus(cpus, 2);
    monitor.stats(stats, new long[] {10, 0}, new long[] {0, 0});
    await().until(() -> supervisor.snapshot().vcpus().size() == 2);

    ticker.advance(Duration.ofSeconds(1));
    scheduler.fireAll();
    JsonNode next = monitor.expect("query-status");
    monitor.status(next, true);
    // query-cpus-fast is cached (refreshed every 30 s, on connect and on RESET), so the next
    // command is the KVM counters of the same poll — not a second poll's query-status.
    JsonNode nextStats = monitor.expect("query-stats");
    monitor.stats(nextStats, new long[] {20, 0}, new long[] {0, 0});
    await().until(() -> supervisor.snapshot().vcpus().get(0).exits() == 20);
  }

  @Test
  void aMonitorThatNeverAnswersIdentificationIsReportedUnresponsive() throws Exception {
    SupervisorSettings d = SupervisorSettings.defaults();
    watch(
        new SupervisorSettings(
            d.pollInterval(),
            d.steadyPollInterval(),
            d.jitter(),
            Duration.ofMillis(300), // identification times out quickly
            d.cpusRefresh(),
            d.kvmStats(),
            d.backoff(),
            d.detector(),
            d.registers(),
            d.requestOob()));
    // Every identification (five commands, read and never answered) times out; the agent
    // reconnects with backoff, and the third unanswered round suspects the monitor.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                hangs.stream()
                    .anyMatch(
                        h ->
                            h.kind() == HangKind.MONITOR_UNRESPONSIVE
                                && h.state() == HangState.SUSPECTED));
    assertThat(supervisor.snapshot().activeHangs())
        .extracting(HangEvent::kind)
        .contains(HangKind.MONITOR_UNRESPONSIVE);
    assertThat(hangs.get(0).vm().name()).isEqualTo("vm-1"); // discovery's name: never identified
  }
}
