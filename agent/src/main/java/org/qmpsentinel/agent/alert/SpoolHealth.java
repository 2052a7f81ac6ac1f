package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Whether the spool keeps its promise that a notification survives a crash. A failed write (read
 * only, disk full, permissions) does not stop delivery — the notification is sent from memory — but
 * it is counted ({@code qmp_sentinel_alert_spool_failures_total{operation,reason}}), makes the
 * {@code alerting} health component DOWN, and is logged once when the state changes, not once per
 * alert. While failing, each health check probes the spool, so fixing the disk turns it UP again
 * without waiting for the next alert.
 */
final class SpoolHealth implements HealthIndicator {
  private static final Logger log = LoggerFactory.getLogger(SpoolHealth.class);

  /** What failed, where and since when. */
  record Failure(String operation, String reason, Path path, String error, Instant since) {}

  /** Checks that the spool can be written now. */
  interface Probe {
    void run() throws IOException;
  }

  private final Path root;
  private final AlertMeters meters;
  private final Probe probe;
  private final IntSupplier unspooled;
  private @Nullable Failure failure;

  SpoolHealth(Path root, AlertMeters meters, Probe probe, IntSupplier unspooled) {
    this.root = root;
    this.meters = meters;
    this.probe = probe;
    this.unspooled = unspooled;
  }

  /** A spool operation failed: count it; log and turn DOWN if that is news. */
  void failed(String operation, IOException e) {
    String reason = reason(e);
    meters.increment(AlertMeters.SPOOL_FAILURES, "operation", operation, "reason", reason);
    Path path =
        e instanceof FileSystemException fse && fse.getFile() != null
            ? Path.of(fse.getFile())
            : root;
    synchronized (this) {
      Failure previous = failure;
      failure = new Failure(operation, reason, path, e.toString(), Instant.now());
      if (previous != null && previous.reason().equals(reason)) {
        return;
      }
    }
    log.error(
        "alert spool {} cannot be written ({}: {} failed at {}: {}); alerts are still sent, from"
            + " memory, but those not yet delivered are lost if the agent stops",
        root,
        reason,
        operation,
        path,
        e.toString());
  }

  /** A spool write succeeded: UP again (logged once). */
  void succeeded() {
    Failure previous;
    synchronized (this) {
      previous = failure;
      failure = null;
    }
    if (previous != null) {
      log.info(
          "alert spool {} is writable again (was {} since {})",
          root,
          previous.reason(),
          previous.since());
    }
  }

  synchronized @Nullable Failure failure() {
    return failure;
  }

  @Override
  public Health health() {
    if (failure() != null) {
      try {
        probe.run();
        succeeded();
      } catch (IOException e) {
        // still failing; the state (and its log line) is the one already recorded
      }
    }
    Failure f = failure();
    if (f == null) {
      return Health.up().withDetail("spool", root.toString()).build();
    }
    return Health.down()
        .withDetail("spool", root.toString())
        .withDetail("reason", f.reason())
        .withDetail("operation", f.operation())
        .withDetail("path", f.path().toString())
        .withDetail("error", f.error())
        .withDetail("since", f.since().toString())
        .withDetail("unspooled", unspooled.getAsInt())
        .build();
  }

  /** read_only, no_space, permission or io: the label an operator acts on. */
  static String reason(IOException e) {
    String text =
        (e instanceof FileSystemException fse && fse.getReason() != null
                ? fse.getReason()
                : String.valueOf(e.getMessage()))
            .toLowerCase(Locale.ROOT);
    if (text.contains("read-only file system")) {
      return "read_only";
    }
    if (text.contains("no space left") || text.contains("quota exceeded")) {
      return "no_space";
    }
    if (e instanceof AccessDeniedException || text.contains("permission denied")) {
      return "permission";
    }
    return "io";
  }
}
