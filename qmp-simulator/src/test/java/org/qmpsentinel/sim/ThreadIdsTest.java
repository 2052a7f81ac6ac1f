package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.qmp.CpuInfoFast;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;

class ThreadIdsTest {
  @TempDir Path dir;

  @Test
  void vcpuThreadIdsAreThreadsOfThisProcessSharedRoundRobin() {
    try (SimFixture sim = new SimFixture(dir, 3, 0, 0, 0, 0)) {
      QmpConnection c = sim.connect(3);
      assertThat(c.peerCredentials()).isPresent();
      assertThat(c.peerCredentials().get().pid()).isEqualTo(ProcessHandle.current().pid());
      List<CpuInfoFast> cpus = c.execute(QmpCommands.queryCpusFast()).join();
      assertThat(cpus).extracting(CpuInfoFast::cpuIndex).containsExactly(0, 1);
      assertThat(cpus)
          .extracting(CpuInfoFast::qomPath)
          .containsExactly("/machine/unattached/device[0]", "/machine/unattached/device[2]");
      assertThat(cpus.get(0).threadId()).isNotEqualTo(cpus.get(1).threadId());
      for (CpuInfoFast cpu : cpus) {
        assertThat(Path.of("/proc/self/task/" + cpu.threadId() + "/schedstat")).exists();
        assertThat(Files.isDirectory(Path.of("/proc/self/task/" + cpu.threadId()))).isTrue();
      }
      // A pool of 4 threads, 2 vCPUs a VM: VM 3 reuses VM 1's threads.
      assertThat(sim.vm(3).threadId(0)).isEqualTo(sim.vm(1).threadId(0));
    }
  }
}
