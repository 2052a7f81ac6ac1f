package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A directory of pending notifications, one file each, named {@code
 * <webhook>/<createdMillis>-<seq>-<keyHash>.json} so a listing sorts in creation order. Written to
 * a temp file, fsynced, renamed into place and the directory fsynced: after {@link #enqueue}
 * returns, a crash cannot lose the notification. Delivered keys leave an empty marker in {@code
 * delivered/} so a re-raised identical notification (e.g. after a restart) is not sent twice.
 */
public final class AlertSpool {
  private final Path root;
  private final AtomicLong sequence = new AtomicLong();

  public AlertSpool(Path root) throws IOException {
    this.root = root;
    Files.createDirectories(root.resolve("delivered"));
  }

  /** One spooled notification. */
  public record Entry(String webhook, Path file, String body) {}

  /**
   * Queues {@code body} for {@code webhook} unless a notification with the same key is already
   * pending or was delivered.
   *
   * @return false when suppressed as a duplicate
   */
  public synchronized boolean enqueue(String webhook, String key, String body) throws IOException {
    String hash = hash(webhook + "\n" + key);
    Path dir = root.resolve(safe(webhook));
    Files.createDirectories(dir);
    if (Files.exists(root.resolve("delivered").resolve(hash)) || pendingWithHash(dir, hash)) {
      return false;
    }
    String name =
        String.format(
            "%013d-%06d-%s.json",
            System.currentTimeMillis(), sequence.incrementAndGet() % 1_000_000, hash);
    Path tmp = dir.resolve("." + name + ".tmp");
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(dir);
    return true;
  }

  /** Pending notifications of one webhook, oldest first. */
  public List<Entry> pending(String webhook) throws IOException {
    Path dir = root.resolve(safe(webhook));
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "[0-9]*.json")) {
      s.forEach(files::add);
    }
    files.sort(null);
    List<Entry> entries = new ArrayList<>();
    for (Path f : files) {
      entries.add(new Entry(webhook, f, Files.readString(f, StandardCharsets.UTF_8)));
    }
    return entries;
  }

  /** Marks delivered (first) and removes the pending file (second): a crash in between is safe. */
  public synchronized void delivered(Entry entry) throws IOException {
    String file = entry.file().getFileName().toString();
    String hash = file.substring(file.lastIndexOf('-') + 1, file.length() - ".json".length());
    Path marker = root.resolve("delivered").resolve(hash);
    if (!Files.exists(marker)) {
      Files.createFile(marker);
    }
    Files.deleteIfExists(entry.file());
    fsyncDirectory(java.util.Objects.requireNonNull(entry.file().getParent()));
  }

  /** Pending notifications across all webhooks. */
  public long depth() {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, p -> Files.isDirectory(p))) {
      long n = 0;
      for (Path d : dirs) {
        if (d.getFileName().toString().equals("delivered")) {
          continue;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d, "[0-9]*.json")) {
          for (Path ignored : s) {
            n++;
          }
        }
      }
      return n;
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean pendingWithHash(Path dir, String hash) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*-" + hash + ".json")) {
      return s.iterator().hasNext();
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some filesystems refuse to open directories; the rename is still atomic there.
    }
  }

  private static String safe(String webhook) {
    return webhook.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
