package org.qmpsentinel.agent.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.Phase;

/**
 * Prints what a warm scrape of the per-VM series costs: N VMs of 2 vCPUs (default 1,000, 3 of them
 * on a boot's STARTUP, the rest STEADY) collected and written in the text format, as the scrape
 * endpoint does. Run: {@code java -cp <agent test classpath>
 * org.qmpsentinel.agent.metrics.VmSeriesScrapeBench [vms] [rounds]}. Prints figures, judges
 * nothing.
 */
public final class VmSeriesScrapeBench {
  private VmSeriesScrapeBench() {}

  public static void main(String[] args) throws Exception {
    int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    VmSeriesCollector collector = new VmSeriesCollector();
    for (int i = 0; i < vms; i++) {
      collector.update(vm(i));
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(collector);
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    long[] nanos = new long[rounds];
    for (int warm = 0; warm < 50; warm++) {
      out.reset();
      writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    }
    for (int r = 0; r < rounds; r++) {
      out.reset();
      long start = System.nanoTime();
      writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
      nanos[r] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    long lines = out.toString().lines().filter(l -> !l.startsWith("#")).count();
    System.out.printf(
        "scrape-bench: vms=%d series=%d bytes=%d median_ms=%.2f p90_ms=%.2f min_ms=%.2f%n",
        vms,
        lines,
        out.size(),
        nanos[rounds / 2] / 1e6,
        nanos[rounds * 9 / 10] / 1e6,
        nanos[0] / 1e6);
  }

  private static VmSnapshot vm(int i) {
    String name = "vm-" + i;
    List<VmSnapshot.Vcpu> vcpus = new ArrayList<>();
    for (int v = 0; v < 2; v++) {
      vcpus.add(new VmSnapshot.Vcpu(v, 1000 + v, "/machine/cpu[" + v + "]", 12.5 * v, 0.1, -1));
    }
    return new VmSnapshot(
        "unix:/run/qmp-sentinel/" + name + ".qmp",
        name,
        "6f1c2c1e-0000-4000-8000-" + String.format("%012d", i),
        "unix:/run/qmp-sentinel/" + name + ".qmp",
        "directory",
        10_000 + i,
        true,
        true,
        "running",
        i < 3 ? Phase.STARTUP : Phase.STEADY,
        "7.2.0",
        true,
        true,
        vcpus,
        List.of(),
        BaselineQuality.ABSOLUTE,
        0,
        Instant.EPOCH,
        List.of());
  }
}
