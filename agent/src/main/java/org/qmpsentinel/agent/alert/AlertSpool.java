package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The durable side of alert delivery, one directory:
 *
 * <pre>
 * &lt;webhook&gt;/&lt;createdMillis&gt;-&lt;seq&gt;-&lt;hash&gt;.json   pending, a listing sorts oldest first
 * delivered/&lt;hash&gt;                             acknowledged keys: no resend after a restart
 * dead/&lt;webhook&gt;/&lt;name&gt;.json                   rejected by the receiver (4xx)
 * active-hangs.json                             the hangs not yet resolved
 * </pre>
 *
 * Every file is written to a temp file, fsynced, renamed into place and the directory fsynced; a
 * failed write deletes its temp file (a full disk must not keep the 0-byte leftovers). Nothing here
 * decides what a failure means: callers get the IOException (see {@link SpoolHealth}).
 */
final class AlertSpool {
  /** Markers only guard against re-sending after a restart; a week covers any outage. */
  static final Duration MARKER_RETENTION = Duration.ofDays(7);

  /** And at most this many, however busy the week was (oldest go first). */
  static final int MARKER_LIMIT = 10_000;

  private static final String STATE = "active-hangs.json";
  private final Path root;
  private final AtomicLong sequence = new AtomicLong();

  AlertSpool(Path root) {
    this.root = root;
  }

  /** One pending notification as found on disk. */
  record Pending(Path file, String hash, String body) {}

  Path root() {
    return root;
  }

  /** Creates the directories; throws when the spool cannot be written. */
  void open() throws IOException {
    Files.createDirectories(root.resolve("delivered"));
  }

  /** Stores a notification for {@code webhook}; returns its file. */
  Path write(String webhook, String hash, String body) throws IOException {
    Path dir = root.resolve(safe(webhook));
    Files.createDirectories(dir);
    String name =
        String.format(
            "%013d-%06d-%s.json",
            System.currentTimeMillis(), sequence.incrementAndGet() % 1_000_000, hash);
    Path file = dir.resolve(name);
    atomicWrite(file, body);
    return file;
  }

  /** Pending notifications of one webhook, oldest first; stale temp files are removed. */
  List<Pending> pending(String webhook) throws IOException {
    Path dir = root.resolve(safe(webhook));
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path f : s) {
        String n = f.getFileName().toString();
        if (n.startsWith(".") && n.endsWith(".tmp")) {
          Files.deleteIfExists(f); // a crash mid-write: the notification was never enqueued
        } else if (n.endsWith(".json") && Character.isDigit(n.charAt(0))) {
          files.add(f);
        }
      }
    }
    files.sort(null);
    List<Pending> pending = new ArrayList<>();
    for (Path f : files) {
      pending.add(new Pending(f, hashOf(f), Files.readString(f, StandardCharsets.UTF_8)));
    }
    return pending;
  }

  boolean isDelivered(String hash) {
    return Files.exists(root.resolve("delivered").resolve(hash));
  }

  /** Marks delivered (first) and removes the pending file (second): a crash in between is safe. */
  void delivered(@Nullable Path file, String hash) throws IOException {
    Path marker = root.resolve("delivered").resolve(hash);
    if (!Files.exists(marker)) {
      Files.createFile(marker);
    }
    if (file != null) {
      Files.deleteIfExists(file);
      fsyncDirectory(java.util.Objects.requireNonNull(file.getParent()));
    }
  }

  /** Moves (or, for a notification never spooled, writes) a rejected notification to dead/. */
  Path deadLetter(String webhook, @Nullable Path file, String hash, String body)
      throws IOException {
    Path dir = root.resolve("dead").resolve(safe(webhook));
    Files.createDirectories(dir);
    if (file != null && Files.exists(file)) {
      Path target = dir.resolve(file.getFileName());
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      fsyncDirectory(dir);
      fsyncDirectory(java.util.Objects.requireNonNull(file.getParent()));
      return target;
    }
    Path target =
        dir.resolve(String.format("%013d-dead-%s.json", System.currentTimeMillis(), hash));
    atomicWrite(target, body);
    return target;
  }

  void writeState(String json) throws IOException {
    atomicWrite(root.resolve(STATE), json);
  }

  @Nullable String readState() throws IOException {
    try {
      return Files.readString(root.resolve(STATE), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Deletes markers older than {@link #MARKER_RETENTION} and all but the newest {@link
   * #MARKER_LIMIT}.
   */
  int pruneDelivered(Instant now) throws IOException {
    record Marker(Path path, FileTime modified) {}
    List<Marker> markers = new ArrayList<>();
    Path dir = root.resolve("delivered");
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        markers.add(new Marker(p, Files.getLastModifiedTime(p)));
      }
    }
    markers.sort(Comparator.comparing(Marker::modified).reversed()); // newest first
    Instant oldest = now.minus(MARKER_RETENTION);
    int deleted = 0;
    for (int i = 0; i < markers.size(); i++) {
      Marker m = markers.get(i);
      if (i >= MARKER_LIMIT || m.modified().toInstant().isBefore(oldest)) {
        Files.deleteIfExists(m.path());
        deleted++;
      }
    }
    return deleted;
  }

  /** Whether a file can be written now (the health check while the spool is failing). */
  void probe() throws IOException {
    Path probe = root.resolve(".probe");
    atomicWrite(probe, "probe");
    Files.deleteIfExists(probe);
  }

  private static void atomicWrite(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    fsyncDirectory(java.util.Objects.requireNonNull(target.getParent()));
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some filesystems refuse to open directories; the rename is still atomic there.
    }
  }

  private static String hashOf(Path pending) {
    String file = pending.getFileName().toString();
    return file.substring(file.lastIndexOf('-') + 1, file.length() - ".json".length());
  }

  private static String safe(String webhook) {
    return webhook.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /** The stable name of one webhook's notification with this key (in file names and markers). */
  static String hash(String webhook, String key) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((webhook + "\n" + key).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
