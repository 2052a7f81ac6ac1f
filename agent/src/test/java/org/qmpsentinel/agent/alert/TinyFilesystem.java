package org.qmpsentinel.agent.alert;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real 64 KiB tmpfs mounted on a temp directory, to be made read-only or filled: the kernel's own
 * EROFS and ENOSPC, which chmod cannot produce for root (the tests run as root). Tests using it are
 * skipped, with the reason, where mounting is not allowed.
 */
final class TinyFilesystem implements AutoCloseable {
  private final Path mountPoint;

  private TinyFilesystem(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  static TinyFilesystem mount() throws IOException, InterruptedException {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "needs root to mount a tmpfs (read-only and full spool tests)");
    Path dir = Files.createTempDirectory("tiny-spool");
    boolean mounted =
        run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", dir.toString());
    assumeTrue(mounted, "mount -t tmpfs failed here (no CAP_SYS_ADMIN?)");
    return new TinyFilesystem(dir);
  }

  Path path() {
    return mountPoint;
  }

  void readOnly() throws IOException, InterruptedException {
    require(run("mount", "-o", "remount,ro", mountPoint.toString()), "remount,ro");
  }

  void readWrite() throws IOException, InterruptedException {
    require(run("mount", "-o", "remount,rw", mountPoint.toString()), "remount,rw");
  }

  /** Writes a file until the filesystem is full; returns it (delete it to free the space). */
  Path fill() throws IOException {
    Path filler = mountPoint.resolve("filler");
    byte[] block = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
        out.flush();
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
    return filler;
  }

  @Override
  public void close() throws IOException {
    try {
      run("umount", mountPoint.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // keep the interrupt for the test runner
    }
    Files.deleteIfExists(mountPoint);
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what + " failed");
    }
  }

  private static boolean run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().transferTo(OutputStream.nullOutputStream());
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
