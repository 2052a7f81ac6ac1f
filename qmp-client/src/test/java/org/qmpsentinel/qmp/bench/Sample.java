package org.qmpsentinel.qmp.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One measured run of one benchmark variant.
 *
 * @param cpuMicrosPerCommand CPU of the client's process in the measured phase, GC and JIT
 *     included, per command (for the in-process fake: minus the fake server's thread)
 * @param p50Micros median latency, or NaN where not measured
 * @param p99Micros 99th percentile latency, or NaN where not measured
 * @param bytesPerCommand bytes allocated by the JVM per command (for the in-process fake: minus the
 *     fake server's thread), or NaN (other processes)
 */
record Sample(
    double commandsPerSecond,
    double cpuMicrosPerCommand,
    double p50Micros,
    double p99Micros,
    double bytesPerCommand) {

  /** A Markdown row: min/median/max of throughput and CPU over the repeats, medians of the rest. */
  static String row(String name, List<Sample> repeats) {
    return String.format(
        "| %s | %s | %s | %s | %s | %s |",
        name,
        spread(repeats, Sample::commandsPerSecond, "%.0f"),
        spread(repeats, Sample::cpuMicrosPerCommand, "%.1f"),
        median(repeats, Sample::p50Micros, "%.0f"),
        median(repeats, Sample::p99Micros, "%.0f"),
        median(repeats, Sample::bytesPerCommand, "%.0f"));
  }

  static String header() {
    return "| run | commands/s min / median / max | process CPU µs/cmd min / median / max"
        + " | p50 µs | p99 µs | bytes allocated/cmd |\n|---|---|---|---|---|---|";
  }

  private static double[] sorted(List<Sample> repeats, ToDoubleFunction<Sample> f) {
    double[] values = repeats.stream().mapToDouble(f).toArray();
    Arrays.sort(values);
    return values;
  }

  private static String spread(List<Sample> repeats, ToDoubleFunction<Sample> f, String format) {
    double[] v = sorted(repeats, f);
    return String.format(
        format + " / " + format + " / " + format, v[0], v[v.length / 2], v[v.length - 1]);
  }

  private static String median(List<Sample> repeats, ToDoubleFunction<Sample> f, String format) {
    double[] v = sorted(repeats, f);
    double m = v[v.length / 2];
    return Double.isNaN(m) ? "–" : String.format(format, m);
  }

  static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  }
}
