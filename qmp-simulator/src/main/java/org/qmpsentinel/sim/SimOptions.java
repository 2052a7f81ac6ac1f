package org.qmpsentinel.sim;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Command-line options of {@link QmpSimulator}. VMs are numbered from 1 and get their scripts in
 * blocks: first the stuck ones, then slow, silent and booting, the rest healthy.
 *
 * @param from the number of this process's first VM: a fleet larger than one process's open-files
 *     limit allows (two descriptors a VM) is served by several simulators, {@code --from 1 --vms
 *     8000} and {@code --from 8001 --vms 2000}; scripts follow the fleet-wide number
 * @param rebootsPerMinute guest reboots per minute across the healthy and booting VMs
 * @param stuckRestartEvery how often one stuck VM (round-robin) restarts into a fresh stuck boot;
 *     zero: never
 * @param apDelay how long the APs of a normal boot wait at the reset vector
 * @param threads real threads whose ids are shared out as vCPU thread ids
 * @param ioThreads Netty event loops
 */
record SimOptions(
    int from,
    int vms,
    int vcpus,
    int stuck,
    int slow,
    int silent,
    int booting,
    double rebootsPerMinute,
    Duration stuckRestartEvery,
    Duration slowDelay,
    Duration apDelay,
    Path dir,
    String accel,
    int threads,
    int ioThreads) {

  static final String USAGE =
      """
      usage: QmpSimulator --dir DIR [--from FIRST] [--vms N] [--vcpus N] [--stuck N] [--slow N] [--silent N]
             [--booting N] [--rebooting-per-minute R] [--stuck-restart-every DURATION]
             [--slow-delay DURATION] [--ap-delay DURATION] [--accel kvm|tcg] [--threads N]
             [--io-threads N]
      Serves DIR/vm-<FIRST>.qmp ... (FIRST defaults to 1, as vm-00001.qmp). Durations: 3s, 500ms or plain seconds.""";

  SimOptions {
    if (from < 1 || vms < 1 || vcpus < 1 || threads < vcpus || ioThreads < 1) {
      throw new IllegalArgumentException("need from >= 1, vms >= 1, vcpus >= 1, threads >= vcpus");
    }
    if (stuck < 0 || slow < 0 || silent < 0 || booting < 0) {
      throw new IllegalArgumentException("VM counts must not be negative");
    }
    if (stuck + slow + silent + booting > from - 1 + vms) {
      throw new IllegalArgumentException("more stuck+slow+silent+booting VMs than --vms");
    }
    if (stuck > 0 && vcpus < 2) {
      throw new IllegalArgumentException("a stuck VM needs an AP: --vcpus >= 2");
    }
  }

  static SimOptions parse(String... args) {
    int from = 1, vms = 10, vcpus = 2, stuck = 0, slow = 0, silent = 0, booting = 0;
    int threads = 64, ioThreads = 2;
    double reboots = 0;
    Duration stuckRestart = Duration.ZERO, slowDelay = Duration.ofSeconds(3);
    Duration apDelay = Duration.ofSeconds(2);
    Path dir = null;
    String accel = "kvm";
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String v = args[++i];
      switch (flag) {
        case "--from" -> from = Integer.parseInt(v);
        case "--vms" -> vms = Integer.parseInt(v);
        case "--vcpus" -> vcpus = Integer.parseInt(v);
        case "--stuck" -> stuck = Integer.parseInt(v);
        case "--slow" -> slow = Integer.parseInt(v);
        case "--silent" -> silent = Integer.parseInt(v);
        case "--booting" -> booting = Integer.parseInt(v);
        case "--rebooting-per-minute" -> reboots = Double.parseDouble(v);
        case "--stuck-restart-every" -> stuckRestart = duration(v);
        case "--slow-delay" -> slowDelay = duration(v);
        case "--ap-delay" -> apDelay = duration(v);
        case "--dir" -> dir = Path.of(v);
        case "--accel" -> accel = v;
        case "--threads" -> threads = Integer.parseInt(v);
        case "--io-threads" -> ioThreads = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--dir is required");
    }
    return new SimOptions(
        from,
        vms,
        vcpus,
        stuck,
        slow,
        silent,
        booting,
        reboots,
        stuckRestart,
        slowDelay,
        apDelay,
        dir,
        accel,
        threads,
        ioThreads);
  }

  /** "3s", "500ms", "2m" or plain (fractional) seconds. */
  static Duration duration(String s) {
    String t = s.strip();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    double scale = 1;
    if (t.endsWith("s")) {
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      t = t.substring(0, t.length() - 1);
      scale = 60;
    }
    return Duration.ofNanos(Math.round(Double.parseDouble(t) * scale * 1e9));
  }

  int last() {
    return from + vms - 1;
  }

  /** The script of VM number {@code index} (1-based, fleet-wide). */
  Behavior behaviorOf(int index) {
    int i = index - 1;
    if (i < stuck) {
      return Behavior.STUCK;
    }
    if ((i -= stuck) < slow) {
      return Behavior.SLOW;
    }
    if ((i -= slow) < silent) {
      return Behavior.SILENT;
    }
    return i - silent < booting ? Behavior.BOOTING : Behavior.HEALTHY;
  }
}
