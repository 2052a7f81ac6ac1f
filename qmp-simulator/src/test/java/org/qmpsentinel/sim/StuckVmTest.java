package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.VcpuStats;

class StuckVmTest {
  private static final String BSP = "/machine/unattached/device[0]";
  private static final String AP = "/machine/unattached/device[2]";

  @TempDir Path dir;
  SimFixture sim;

  @BeforeEach
  void start() {
    sim = new SimFixture(dir, 3, 1, 0, 0, 1); // vm 1 stuck, vm 2 booting, vm 3 healthy
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void stuckApNeverExitsWhileTheBspSpinsWithoutHalting() {
    QmpConnection c = sim.connect(1);
    Map<String, VcpuStats> before = stats(c);
    sim.advanceSeconds(3);
    Map<String, VcpuStats> after = stats(c);
    assertThat(after.get(AP).counter("exits")).isZero();
    assertThat(after.get(AP).counter("halt_exits")).isZero();
    assertThat(after.get(BSP).counter("exits")).isGreaterThan(before.get(BSP).counter("exits"));
    assertThat(after.get(BSP).counter("halt_exits"))
        .isEqualTo(before.get(BSP).counter("halt_exits"));
    assertThat(sim.stdout()).contains("sim: stuck-start vm=vm-00001 epoch_ms=");
  }

  @Test
  void stuckApRegistersAreTheResetVector() {
    QmpConnection c = sim.connect(1);
    String ap =
        c.execute(QmpCommands.humanMonitorCommand("info registers", OptionalInt.of(1))).join();
    assertThat(ap).contains("CPU#1", "EIP=0000fff0", "CS =f000 ffff0000", "HLT=0");
    String bsp =
        c.execute(QmpCommands.humanMonitorCommand("info registers", OptionalInt.of(0))).join();
    assertThat(bsp).contains("CPU#0").doesNotContain("EIP=0000fff0");
  }

  @Test
  void bootingApsWaitThenRunAndHealthyVcpusAllMove() {
    QmpConnection booting = sim.connect(2);
    sim.advanceSeconds(1);
    assertThat(stats(booting).get(AP).counter("exits")).isZero(); // before the AP delay (2 s)
    sim.advanceSeconds(2);
    Map<String, VcpuStats> woke = stats(booting);
    assertThat(woke.get(AP).counter("exits")).isPositive();
    assertThat(woke.get(BSP).counter("halt_exits")).isPositive();

    QmpConnection healthy = sim.connect(3);
    Map<String, VcpuStats> before = stats(healthy);
    sim.advanceSeconds(1);
    Map<String, VcpuStats> after = stats(healthy);
    for (String cpu : List.of(BSP, AP)) {
      assertThat(after.get(cpu).counter("exits")).isGreaterThan(before.get(cpu).counter("exits"));
      assertThat(after.get(cpu).counter("halt_exits"))
          .isGreaterThan(before.get(cpu).counter("halt_exits"));
    }
  }

  @Test
  void pausedVmCountsNothing() {
    QmpConnection c = sim.connect(3);
    c.execute(QmpCommands.stop()).join();
    assertThat(c.execute(QmpCommands.queryStatus()).join().rawStatus()).isEqualTo("paused");
    Map<String, VcpuStats> before = stats(c);
    sim.advanceSeconds(5);
    assertThat(stats(c).get(BSP).counter("exits")).isEqualTo(before.get(BSP).counter("exits"));
    c.execute(QmpCommands.cont()).join();
    sim.advanceSeconds(1);
    assertThat(stats(c).get(BSP).counter("exits")).isGreaterThan(before.get(BSP).counter("exits"));
  }

  static Map<String, VcpuStats> stats(QmpConnection c) {
    return c.execute(QmpCommands.queryVcpuStats()).join().stream()
        .collect(Collectors.toMap(VcpuStats::qomPath, s -> s));
  }
}
