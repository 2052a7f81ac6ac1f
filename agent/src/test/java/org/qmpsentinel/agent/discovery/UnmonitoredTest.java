package org.qmpsentinel.agent.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class UnmonitoredTest {

  @Test
  void everyReasonIsAGaugeFromTheStartAtZero() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new Unmonitored().bindTo(registry);
    for (Unmonitored.Reason r : Unmonitored.Reason.values()) {
      assertThat(registry.get(Unmonitored.METRIC).tag("reason", r.tag()).gauge().value())
          .as(r.tag())
          .isZero();
    }
    assertThat(Arrays.stream(Unmonitored.Reason.values()).map(Unmonitored.Reason::tag))
        .contains(
            "permission_denied",
            "no_monitor_socket",
            "socket_in_use_by_manager",
            "unsupported_qemu",
            "libvirt_unavailable");
  }

  @Test
  void aVmIsListedWithReasonAndFixCountedAndLoggedOnce(CapturedOutput out) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Unmonitored u = new Unmonitored();
    u.bindTo(registry);
    for (int scan = 0; scan < 3; scan++) {
      u.report("proc", "/run/x.qmp", "x", Unmonitored.Reason.PERMISSION_DENIED, "EACCES");
    }
    assertThat(u.entries())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo("permission_denied");
              assertThat(e.name()).isEqualTo("x");
              assertThat(e.fix()).contains("/run/qmp-sentinel");
            });
    assertThat(registry.get(Unmonitored.METRIC).tag("reason", "permission_denied").gauge().value())
        .isEqualTo(1);
    assertThat(out.getOut().split("not monitoring x ", -1)).hasSize(2); // one WARN

    u.retain("proc", Set.of()); // the next scan does not see it
    assertThat(u.entries()).isEmpty();
    assertThat(registry.get(Unmonitored.METRIC).tag("reason", "permission_denied").gauge().value())
        .isZero();
  }

  @Test
  void retainOnlyWithdrawsTheGivenSource() {
    Unmonitored u = new Unmonitored();
    u.report("libvirt", "qemu:///system", "libvirt", Unmonitored.Reason.LIBVIRT_UNAVAILABLE, "x");
    u.report("proc", "pid 1", "a", Unmonitored.Reason.NO_MONITOR_SOCKET, "y");
    u.retain("proc", Set.of());
    assertThat(u.entries()).extracting(Unmonitored.Entry::source).containsExactly("libvirt");
  }
}
