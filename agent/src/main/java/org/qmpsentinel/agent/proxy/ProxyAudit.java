package org.qmpsentinel.agent.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit line of each denial and deferral (logger {@code qmp-sentinel.audit}, like the HMP
 * API's): the client's pid and uid from {@code SO_PEERCRED}, the VM, the command and the reason. A
 * client that hammers a refused command would write thousands of lines a second, so each client
 * writes at most {@link #LINES_PER_SECOND} a second; the lines it did not write are counted and the
 * next line says how many were suppressed.
 */
final class ProxyAudit {
  static final int LINES_PER_SECOND = 10;
  private static final Logger audit = LoggerFactory.getLogger("qmp-sentinel.audit");
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private long windowStart = Long.MIN_VALUE;
  private int linesInWindow;
  private long suppressed;

  /** On the client's event loop. */
  void record(
      ClientIdentity client, String vm, String command, String decision, String reason, long now) {
    if (windowStart == Long.MIN_VALUE || now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow >= LINES_PER_SECOND) {
      suppressed++;
      return;
    }
    linesInWindow++;
    audit.info(
        "proxy client pid={} uid={} vm={} command=\"{}\" decision={} reason=\"{}\"{}",
        client.pid(),
        client.uid(),
        printable(vm),
        printable(command),
        decision,
        printable(reason),
        suppressed == 0 ? "" : " (" + suppressed + " earlier lines of this client suppressed)");
    suppressed = 0;
  }

  /** A client's text on one log line: no line breaks or other control characters, no quotes. */
  static String printable(String text) {
    String line = text.replaceAll("[\\p{Cntrl}\"]", "?");
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
