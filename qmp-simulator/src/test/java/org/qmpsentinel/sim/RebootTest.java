package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEvent;

class RebootTest {
  private static final String AP = "/machine/unattached/device[2]";

  @TempDir Path dir;

  @Test
  void guestRebootEmitsResetAndRestartsTheBootScript() throws InterruptedException {
    try (SimFixture sim = new SimFixture(dir, 2, 1, 0, 0, 0)) {
      QmpConnection c = sim.connect(2);
      BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
      c.subscribe("RESET", events::add);
      long apExits = StuckVmTest.stats(c).get(AP).counter("exits");
      assertThat(apExits).isPositive();

      sim.fleet.lifecycle().reboot(sim.vm(2), BootKind.NORMAL, true);
      QmpEvent reset = events.poll(10, TimeUnit.SECONDS);
      assertThat(reset).isNotNull();
      assertThat(reset.data().get("guest").asBoolean()).isTrue();
      assertThat(reset.data().get("reason").asString()).isEqualTo("guest-reset");
      sim.advanceSeconds(1);
      // KVM counters survive a reset; the AP does not run until the firmware wakes it.
      assertThat(StuckVmTest.stats(c).get(AP).counter("exits")).isEqualTo(apExits);
      sim.advanceSeconds(2);
      assertThat(StuckVmTest.stats(c).get(AP).counter("exits")).isGreaterThan(apExits);
      assertThat(sim.stdout()).contains("sim: reboot vm=vm-00002 epoch_ms=");
    }
  }

  @Test
  void systemResetIsAHostResetAndAFreshStuckBootIsAnnounced() throws InterruptedException {
    try (SimFixture sim = new SimFixture(dir, 2, 1, 0, 0, 0)) {
      QmpConnection c = sim.connect(1);
      BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
      c.subscribe("RESET", events::add);
      c.execute(QmpCommands.systemReset()).join();
      QmpEvent reset = events.poll(10, TimeUnit.SECONDS);
      assertThat(reset).isNotNull();
      assertThat(reset.data().get("reason").asString()).isEqualTo("host-qmp-system-reset");
      assertThat(sim.vm(1).bootKind()).isEqualTo(BootKind.NORMAL);

      sim.fleet.lifecycle().reboot(sim.vm(1), BootKind.STUCK, true);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(sim.vm(1).bootKind()).isEqualTo(BootKind.STUCK);
      assertThat(sim.stdout().lines().filter(l -> l.startsWith("sim: stuck-start vm=vm-00001")))
          .hasSize(2); // the first boot and this one
    }
  }
}
