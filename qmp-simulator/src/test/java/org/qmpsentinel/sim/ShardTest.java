package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardTest {
  @TempDir Path dir;

  @Test
  void twoSimulatorsShareOneDirectoryWithoutRemovingEachOthersSockets() {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    String d = dir.toString();
    try (Fleet first = Fleet.start(SimOptions.parse("--dir", d, "--vms", "2"), quiet);
        Fleet second =
            Fleet.start(SimOptions.parse("--dir", d, "--from", "3", "--vms", "2"), quiet)) {
      assertThat(first.vms()).hasSize(2);
      for (int i = 1; i <= 4; i++) {
        assertThat(Fleet.socketOf(dir, i)).exists();
      }
      assertThat(second.vms())
          .extracting(SimulatedVm::name)
          .containsExactly("vm-00003", "vm-00004");
    }
  }
}
