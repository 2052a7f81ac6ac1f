package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivered-markers do not grow without bound: older than a week, or beyond the limit, go. */
class AlertSpoolPruneTest {
  @TempDir Path root;

  @Test
  void prunesByAgeAndByCount() throws Exception {
    AlertSpool spool = new AlertSpool(root);
    spool.open();
    Path delivered = root.resolve("delivered");
    Instant now = Instant.now();
    Path old = Files.createFile(delivered.resolve("old"));
    Files.setLastModifiedTime(old, FileTime.from(now.minus(Duration.ofDays(8))));
    Path recent = Files.createFile(delivered.resolve("recent"));
    Files.setLastModifiedTime(recent, FileTime.from(now.minus(Duration.ofDays(6))));
    for (int i = 0; i < AlertSpool.MARKER_LIMIT; i++) {
      Files.createFile(delivered.resolve("m" + i));
    }

    assertThat(spool.pruneDelivered(now)).isEqualTo(2);

    assertThat(old).doesNotExist();
    assertThat(recent).doesNotExist(); // the oldest beyond the limit
    try (Stream<Path> left = Files.list(delivered)) {
      assertThat(left.count()).isEqualTo(AlertSpool.MARKER_LIMIT);
    }
  }
}
