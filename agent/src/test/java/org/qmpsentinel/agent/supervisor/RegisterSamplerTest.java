package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.X86Registers.CpuMode;
import org.qmpsentinel.qmp.QmpClient;
import tools.jackson.databind.JsonNode;

/**
 * The register sampler against a scripted monitor (a fake: the test must decide when each reply and
 * each timer comes), the clock under the test's control: which vCPU it reads in which phase, that
 * it stays away from a paused VM, and that its samples reach the snapshot.
 */
class RegisterSamplerTest {
  private static final String REAL_MODE_DUMP =
      """
      EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663
      EIP=0000e05b EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0
      ES =0000 00000000 0000ffff 00009300
      CS =f000 000f0000 0000ffff 00009b00
      CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000
      """;
  private static final String LONG_MODE_DUMP =
      """
      RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000001
      RIP=ffffffff81e0f1ab RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1
      CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]
      CR0=80050033 CR2=0000000000000000 CR3=0000000004f77000 CR4=00350ef0
      EFER=0000000000000d01
      """;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final ManualTicker ticker = new ManualTicker();
  private final List<String> decisions = new CopyOnWriteArrayList<>();
  private QmpClient client;
  private ScriptedMonitor monitor;
  private VmSupervisor supervisor;

  @BeforeEach
  void start() throws Exception {
    client = QmpClient.create();
    monitor = new ScriptedMonitor();
    supervisor =
        VmSupervisor.start(
            new DiscoveredVm(
                "test", "vm-1", monitor.endpoint(), Optional.empty(), OptionalLong.empty()),
            SupervisorSettings.defaults(),
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), ticker),
            new SupervisorListener() {
              @Override
              public void onIntrusionDecision(
                  VmSnapshot vm, String command, IntrusionDecision decision) {
                if (command.startsWith("info registers")) {
                  decisions.add(decision.code());
                }
              }
            });
    monitor.identify(true);
    poll(new long[] {10, 5}); // the first poll: both vCPUs have run (absolute baseline)
  }

  @AfterEach
  void stop() throws Exception {
    supervisor.close();
    monitor.close();
    client.close();
    scheduler.shutdownNow();
  }

  @Test
  void inStartupOnlyTheBspIsReadAndItsSampleIsPublished() throws Exception {
    assertThat(supervisor.snapshot().phase()).isEqualTo(Phase.STARTUP);
    JsonNode read = fireUntilRegisterRead(new long[] {20, 6});
    assertThat(read.path("arguments").path("command-line").asString()).isEqualTo("info registers");
    assertThat(read.path("arguments").path("cpu-index").asInt()).isZero();
    monitor.reply(read, quoted(REAL_MODE_DUMP));
    await().until(() -> !supervisor.snapshot().registers().isEmpty());
    VmSnapshot.RegisterSample sample = supervisor.snapshot().registers().get(0);
    assertThat(sample.cpuIndex()).isZero();
    assertThat(sample.registers().mode()).isEqualTo(CpuMode.REAL);
    assertThat(sample.registers().linearIp()).isEqualTo(0xfe05bL);

    // Past the policy's rate limit, the next read in STARTUP is the BSP again, never the AP.
    ticker.advance(Duration.ofSeconds(11));
    JsonNode again = fireUntilRegisterRead(new long[] {30, 7});
    assertThat(again.path("arguments").path("cpu-index").asInt()).isZero();
    assertThat(decisions).containsOnly("bsp_only");
  }

  @Test
  void inSteadyTheVcpusTakeTurns() throws Exception {
    ticker.advance(Duration.ofSeconds(61)); // startup-settle passed: STEADY
    JsonNode first = fireUntilRegisterRead(new long[] {20, 6});
    await().until(() -> supervisor.snapshot().phase() == Phase.STEADY);
    monitor.reply(first, quoted(LONG_MODE_DUMP));
    await().until(() -> supervisor.snapshot().registers().size() == 1); // no read in flight
    ticker.advance(Duration.ofSeconds(11));
    JsonNode second = fireUntilRegisterRead(new long[] {30, 7});
    monitor.reply(second, quoted(LONG_MODE_DUMP));
    assertThat(
            List.of(
                first.path("arguments").path("cpu-index").asInt(),
                second.path("arguments").path("cpu-index").asInt()))
        .containsExactlyInAnyOrder(0, 1);
    await().until(() -> supervisor.snapshot().registers().size() == 2);
    assertThat(supervisor.snapshot().registers())
        .allMatch(r -> r.registers().mode() == CpuMode.LONG && r.registers().halted());
  }

  @Test
  void aPausedVmIsNotSampled() throws Exception {
    monitor.event("STOP");
    // An operator's harmless HMP command queues behind the STOP on the VM's pipeline: once it is
    // answered, the pipeline knows the VM is paused.
    var hmp = supervisor.runHmp("info cpus", OptionalInt.empty());
    monitor.reply(monitor.expect("human-monitor-command"), "\"\"");
    assertThat(hmp.get(10, TimeUnit.SECONDS).allowed()).isTrue();
    int before = decisions.size();
    scheduler.fireAll(); // the poll's and the sampler's timers
    // The sampler's tick has run once both timers are set again; it must not have asked.
    await().until(() -> scheduler.pendingTimers() == 2);
    assertThat(decisions).hasSize(before);
  }

  /** Fires the timers and answers the poll's commands until the sampler's read arrives. */
  private JsonNode fireUntilRegisterRead(long[] exits) throws Exception {
    scheduler.fireAll();
    while (true) {
      JsonNode c = monitor.next();
      switch (c.path("execute").asString()) {
        case "human-monitor-command" -> {
          return c;
        }
        case "query-status" -> monitor.status(c, true);
        case "query-cpus-fast" -> monitor.cpus(c, 2);
        case "query-stats" -> monitor.stats(c, exits, new long[] {0, 1});
        default -> throw new AssertionError("unexpected command " + c);
      }
    }
  }

  private void poll(long[] exits) throws Exception {
    monitor.status(monitor.expect("query-status"), true);
    monitor.cpus(monitor.expect("query-cpus-fast"), 2);
    monitor.stats(monitor.expect("query-stats"), exits, new long[] {0, 1});
    await().until(() -> supervisor.snapshot().vcpus().size() == 2);
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\n", "\\n") + "\"";
  }
}
