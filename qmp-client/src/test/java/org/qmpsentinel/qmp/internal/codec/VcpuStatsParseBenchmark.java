package org.qmpsentinel.qmp.internal.codec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmpsentinel.qmp.VcpuStats;
import org.qmpsentinel.qmp.internal.Replies;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.async.ByteArrayFeeder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;

/**
 * Would a dedicated streaming parse of {@code query-stats} replies (tokens straight to {@link
 * VcpuStats}, no tree) pay? Times, per reply, the tokenizer alone (the floor both share), tokens
 * into a tree plus {@link Replies#vcpuStats}, and tokens straight into records, for recorded QEMU
 * 7.2 replies (filtered to exits/halt_exits, and unfiltered) widened to more vCPUs. Not a test:
 * {@code java -cp <test classpath> org.qmpsentinel.qmp.internal.codec.VcpuStatsParseBenchmark}.
 */
public final class VcpuStatsParseBenchmark {
  private static final JsonFactory JSON = new JsonFactory();
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private interface Variant {
    Object parse(JsonParser parser, ByteArrayFeeder feeder, byte[] message);
  }

  public static void main(String[] args) throws IOException {
    for (String file :
        List.of("query-stats-vcpu-filtered-2cpu.json", "query-stats-vcpu-2cpu.json")) {
      String reply = new String(resource(file), StandardCharsets.UTF_8).trim();
      for (int vcpus : new int[] {2, 16, 64}) {
        byte[] message = widen(reply, vcpus / 2).getBytes(StandardCharsets.UTF_8);
        if (!tree(message).equals(streaming(message))) {
          throw new AssertionError("the two parses disagree");
        }
        System.out.printf("%s x%d vCPUs, %d bytes:%n", file, vcpus, message.length);
        report("  tokens only      ", message, VcpuStatsParseBenchmark::tokensOnly);
        report("  tree + Replies   ", message, (p, f, m) -> tree(p, f, m));
        report("  streaming records", message, (p, f, m) -> streaming(p, f, m));
      }
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = VcpuStatsParseBenchmark.class.getResourceAsStream("/qmp/" + name)) {
      return in.readAllBytes();
    }
  }

  /** The reply's vCPU entries repeated {@code times}, with distinct qom-paths. */
  private static String widen(String reply, int times) {
    int start = reply.indexOf('[') + 1;
    int end = reply.lastIndexOf(']');
    String entries = reply.substring(start, end);
    StringBuilder all = new StringBuilder(reply.substring(0, start));
    for (int i = 0; i < times; i++) {
      all.append(i == 0 ? "" : ", ").append(entries.replace("device[", "device[" + i + "0"));
    }
    return all.append(reply.substring(end)).toString();
  }

  private static void report(String name, byte[] message, Variant variant) {
    JsonParser parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
    ByteArrayFeeder feeder = (ByteArrayFeeder) parser.nonBlockingInputFeeder();
    int n = Math.max(2_000, 30_000_000 / message.length); // about 30 MB parsed per repeat
    for (int i = 0; i < n; i++) {
      variant.parse(parser, feeder, message); // warm-up
    }
    double[] ns = new double[5];
    double bytes = 0;
    for (int r = 0; r < ns.length; r++) {
      long a0 = THREADS.getCurrentThreadAllocatedBytes();
      // Thread CPU time, not wall time: the machine is shared, and a descheduled thread would
      // otherwise count others' work as ours.
      long t0 = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) {
        variant.parse(parser, feeder, message);
      }
      ns[r] = (THREADS.getCurrentThreadCpuTime() - t0) / (double) n;
      bytes = (THREADS.getCurrentThreadAllocatedBytes() - a0) / (double) n;
    }
    java.util.Arrays.sort(ns);
    System.out.printf(
        "%s min/median/max %.0f/%.0f/%.0f CPU ns/reply, %.0f B allocated/reply%n",
        name, ns[0], ns[ns.length / 2], ns[ns.length - 1], bytes);
  }

  private static Object tokensOnly(JsonParser parser, ByteArrayFeeder feeder, byte[] message) {
    feeder.feedInput(message, 0, message.length);
    int count = 0;
    JsonToken t;
    while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
      count++;
    }
    return count;
  }

  private static List<VcpuStats> tree(byte[] message) {
    JsonParser parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
    return tree(parser, (ByteArrayFeeder) parser.nonBlockingInputFeeder(), message);
  }

  private static List<VcpuStats> tree(JsonParser parser, ByteArrayFeeder feeder, byte[] message) {
    feeder.feedInput(message, 0, message.length);
    JsonTreeBuilder builder = new JsonTreeBuilder(64, Integer.MAX_VALUE);
    JsonToken t;
    JsonNode done = null;
    while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
      JsonNode node = builder.accept(t, parser);
      if (node != null) {
        done = node;
      }
    }
    return Replies.vcpuStats(done.get("return"));
  }

  private static List<VcpuStats> streaming(byte[] message) {
    JsonParser parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
    return streaming(parser, (ByteArrayFeeder) parser.nonBlockingInputFeeder(), message);
  }

  /** What a dedicated parse would do: only the fields VcpuStats keeps, no tree. */
  private static List<VcpuStats> streaming(
      JsonParser parser, ByteArrayFeeder feeder, byte[] message) {
    feeder.feedInput(message, 0, message.length);
    List<VcpuStats> result = new ArrayList<>();
    int depth = 0;
    boolean inReturn = false;
    String qomPath = "";
    String provider = "";
    String statName = null;
    long statValue = 0;
    boolean statScalar = false;
    Map<String, Long> counters = null;
    String field = null;
    JsonToken t;
    while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          depth++;
          if (inReturn && depth == 3 && t == JsonToken.START_OBJECT) {
            counters = new HashMap<>();
            qomPath = "";
            provider = "";
          } else if (inReturn && depth == 5 && t == JsonToken.START_OBJECT) {
            statName = null;
            statScalar = false;
          } else if (inReturn && depth == 6) {
            statScalar = false; // a histogram: not a counter
            parser.skipChildren();
            depth--;
          }
        }
        case END_OBJECT, END_ARRAY -> {
          if (inReturn && depth == 5 && statScalar && statName != null) {
            counters.put(statName, statValue);
          } else if (inReturn && depth == 3 && "kvm".equals(provider)) {
            result.add(new VcpuStats(qomPath, counters));
          } else if (depth == 2) {
            inReturn = false;
          }
          depth--;
        }
        case PROPERTY_NAME -> {
          field = parser.currentName();
          if (depth == 1 && field.equals("return")) {
            inReturn = true;
          }
        }
        case VALUE_STRING -> {
          if (inReturn && depth == 3 && "qom-path".equals(field)) {
            qomPath = parser.getString();
          } else if (inReturn && depth == 3 && "provider".equals(field)) {
            provider = parser.getString();
          } else if (inReturn && depth == 5 && "name".equals(field)) {
            statName = parser.getString();
          }
        }
        case VALUE_NUMBER_INT -> {
          if (inReturn && depth == 5 && "value".equals(field)) {
            statValue =
                parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? parser.getBigIntegerValue().longValue()
                    : parser.getLongValue();
            statScalar = true;
          }
        }
        default -> {}
      }
    }
    return List.copyOf(result);
  }
}
