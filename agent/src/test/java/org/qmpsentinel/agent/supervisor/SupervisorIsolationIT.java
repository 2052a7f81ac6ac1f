package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * One VM's trouble never delays another: with a single shared poll thread, a QEMU frozen with
 * SIGSTOP (its monitor never answers) must not slow down polling of a healthy VM; the frozen one is
 * reported MONITOR_UNRESPONSIVE and recovers after SIGCONT.
 */
@Tag("qemu") // run on every QEMU build: agent/pom.xml, execution qemu10
class SupervisorIsolationIT {

  @Test
  void frozenQemuDoesNotDelayTheOtherVm() throws Exception {
    Path dir = Files.createTempDirectory("isolation");
    SupervisorSettings settings =
        new SupervisorSettings(
            Duration.ofMillis(200),
            Duration.ofMillis(200),
            0.0,
            Duration.ofMillis(500),
            Duration.ofSeconds(30),
            true,
            org.qmpsentinel.qmp.Backoff.defaults(),
            org.qmpsentinel.hang.DetectorSettings.defaults(),
            RegisterSettings.defaults(),
            false);
    List<HangEvent> events = new CopyOnWriteArrayList<>();
    SupervisorListener listener =
        new SupervisorListener() {
          @Override
          public void onHangEvent(VmSnapshot vm, HangEvent event) {
            events.add(event);
          }
        };
    ScheduledExecutorService onePollThread = Executors.newSingleThreadScheduledExecutor();
    try (QmpClient client = QmpClient.create();
        QemuVm frozen = QemuVm.healthy("frozen", 2, dir);
        QemuVm fine = QemuVm.healthy("fine", 2, dir);
        VmSupervisor a = start(client, frozen, settings, onePollThread, listener);
        VmSupervisor b = start(client, fine, settings, onePollThread, listener)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.snapshot().connected() && b.snapshot().connected());

      frozen.signal("STOP");
      await("MONITOR_UNRESPONSIVE suspected for the frozen VM")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  events.stream()
                      .anyMatch(
                          e ->
                              e.vm().name().equals("frozen")
                                  && e.kind() == HangKind.MONITOR_UNRESPONSIVE));

      // While the frozen VM's commands keep timing out, the other VM is polled on schedule:
      // its snapshots keep advancing at about the poll interval.
      Instant before = b.snapshot().lastPoll();
      await("fine keeps being polled")
          .atMost(Duration.ofSeconds(2))
          .until(() -> Duration.between(before, b.snapshot().lastPoll()).toMillis() >= 1000);
      assertThat(b.snapshot().connected()).isTrue();
      assertThat(events).noneMatch(e -> e.vm().name().equals("fine"));

      frozen.signal("CONT");
      await("resolved after SIGCONT")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  events.stream()
                      .anyMatch(
                          e -> e.vm().name().equals("frozen") && e.state() == HangState.RESOLVED));
    } finally {
      onePollThread.shutdownNow();
    }
  }

  private static VmSupervisor start(
      QmpClient client,
      QemuVm vm,
      SupervisorSettings settings,
      ScheduledExecutorService scheduler,
      SupervisorListener listener) {
    return VmSupervisor.start(
        new DiscoveredVm(
            "test",
            vm.name(),
            QmpEndpoint.unix(vm.socket()),
            Optional.empty(),
            OptionalLong.of(vm.pid())),
        settings,
        new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
        listener);
  }
}
