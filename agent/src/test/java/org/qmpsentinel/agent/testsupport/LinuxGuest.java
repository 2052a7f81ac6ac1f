package org.qmpsentinel.agent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The fixture image's Linux guest (Debian's cloud kernel and a busybox initramfs, built by
 * scripts/setup.d/60-fixture.sh), copied out of the local image for guests started on the host.
 * Empty when docker or the image is missing: tests that need it are then skipped.
 */
public final class LinuxGuest {
  private static final String IMAGE = "qmp-sentinel/qemu-fixture:stock";

  /** The kernel and initramfs, copied to {@code dir}. */
  public record Kernel(Path kernel, Path initrd) {}

  private LinuxGuest() {}

  public static synchronized Optional<Kernel> copyTo(Path dir) throws IOException {
    Path kernel = dir.resolve("vmlinuz");
    Path initrd = dir.resolve("initramfs.gz");
    if (Files.exists(kernel) && Files.exists(initrd)) {
      return Optional.of(new Kernel(kernel, initrd));
    }
    Files.createDirectories(dir);
    String container = "qmp-sentinel-it-kernel-" + UUID.randomUUID();
    try {
      if (!docker("create", "--name", container, IMAGE, "true")) {
        return Optional.empty();
      }
      boolean copied =
          docker("cp", container + ":/opt/fixture/vmlinuz", kernel.toString())
              && docker("cp", container + ":/opt/fixture/initramfs.gz", initrd.toString());
      return copied ? Optional.of(new Kernel(kernel, initrd)) : Optional.empty();
    } finally {
      docker("rm", "-f", container);
    }
  }

  private static boolean docker(String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false; // no docker on this machine
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
