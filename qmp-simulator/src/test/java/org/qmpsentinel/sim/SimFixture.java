package org.qmpsentinel.sim;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;

/** A fleet in this JVM with a hand-moved clock, and a qmp-client to talk to it. */
final class SimFixture implements AutoCloseable {
  static final long SECOND = 1_000_000_000L;

  final AtomicLong clock = new AtomicLong(1_000 * SECOND);
  final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  final Fleet fleet;
  final QmpClient client = QmpClient.create();
  private final Path dir;

  /** VMs 1..stuck are stuck, then slow, silent, booting; the rest healthy. 2 vCPUs each. */
  SimFixture(Path dir, int vms, int stuck, int slow, int silent, int booting) {
    this.dir = dir;
    SimOptions options =
        new SimOptions(
            1,
            vms,
            2,
            stuck,
            slow,
            silent,
            booting,
            0,
            Duration.ZERO,
            Duration.ofMillis(300),
            Duration.ofSeconds(2),
            dir,
            "kvm",
            4,
            1);
    fleet = Fleet.start(options, new PrintStream(stdout, true, StandardCharsets.UTF_8), clock::get);
  }

  Path socket(int index) {
    return Fleet.socketOf(dir, index);
  }

  QmpConnection connect(int index) {
    return client.connect(QmpEndpoint.unix(socket(index))).join();
  }

  SimulatedVm vm(int index) {
    return fleet.vms().get(index - 1);
  }

  void advanceSeconds(double seconds) {
    clock.addAndGet((long) (seconds * SECOND));
  }

  String stdout() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
    fleet.close();
  }
}
