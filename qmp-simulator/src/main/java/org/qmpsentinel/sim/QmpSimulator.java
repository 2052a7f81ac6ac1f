package org.qmpsentinel.sim;

import java.util.concurrent.CountDownLatch;

/**
 * Entry point: {@code java -jar qmp-simulator.jar --dir /tmp/sim --vms 1000 --stuck 2 ...} (see
 * {@link SimOptions#USAGE}). Prints machine-readable lines on stdout, all starting with {@code sim:
 * }: {@code ready ...} once every socket listens, {@code stuck-start vm=... epoch_ms=...} for every
 * stuck boot and {@code reboot vm=... epoch_ms=...} for every other reboot. Runs until killed;
 * SIGTERM closes the sockets (removing their files).
 */
public final class QmpSimulator {
  private QmpSimulator() {}

  public static void main(String[] args) throws InterruptedException {
    SimOptions options;
    try {
      options = SimOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("qmp-simulator: " + e.getMessage());
      System.err.println(SimOptions.USAGE);
      System.exit(2);
      return;
    }
    Fleet fleet = Fleet.start(options, System.out);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  fleet.close();
                  stopped.countDown();
                },
                "sim-shutdown"));
    fleet
        .lifecycle()
        .say(
            String.format(
                "ready from=%d vms=%d vcpus=%d stuck=%d slow=%d silent=%d booting=%d dir=%s pid=%d"
                    + " epoch_ms=%d",
                options.from(),
                options.vms(),
                options.vcpus(),
                options.stuck(),
                options.slow(),
                options.silent(),
                options.booting(),
                options.dir(),
                ProcessHandle.current().pid(),
                System.currentTimeMillis()));
    stopped.await();
  }
}
