package org.qmpsentinel.qmp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A QEMU the integration tests run against: the distribution's own ({@code qemu-system-x86_64} on
 * the PATH: Debian 12's 7.2 here), or Debian 13's QEMU 10.0 as the fixture image {@code
 * qmp-sentinel/qemu-fixture:qemu10-stock} carries it, copied onto the host with its own libraries
 * by {@code deploy/fixture/build-images.sh 10} (scripts/setup.d/60-fixture.sh runs it).
 *
 * @param name what the test reports call it
 * @param binary the executable, or a bare name looked up on the PATH
 */
public record QemuBuild(String name, Path binary) {
  /** Which build a suite run once per build uses: {@code distribution} (default) or {@code 10}. */
  public static final String SELECT_PROPERTY = "qmpsentinel.qemu";

  public static final QemuBuild DISTRIBUTION =
      new QemuBuild("distribution QEMU", Path.of("qemu-system-x86_64"));

  /** The QEMU 10 build, present or not. */
  public static QemuBuild qemu10() {
    String cache = System.getenv("QMP_SENTINEL_CACHE");
    Path root = Path.of(cache != null && !cache.isBlank() ? cache : "/var/cache/qmp-sentinel");
    return new QemuBuild(
        "QEMU 10 (fixture image)", root.resolve("qemu-bin/qemu10/bin/qemu-system-x86_64"));
  }

  /** Every build, present or not: a test over all of them skips an absent one, saying why. */
  public static List<QemuBuild> all() {
    return List.of(DISTRIBUTION, qemu10());
  }

  /** The build named by the system property {@value #SELECT_PROPERTY}. */
  public static QemuBuild selected() {
    String value = System.getProperty(SELECT_PROPERTY, "distribution");
    return switch (value.strip()) {
      case "distribution", "" -> DISTRIBUTION;
      case "10" -> qemu10();
      default ->
          throw new IllegalArgumentException(
              "-D" + SELECT_PROPERTY + " must be distribution or 10, not '" + value + "'");
    };
  }

  /** The distribution's QEMU is a test prerequisite; another build may be absent. */
  public boolean available() {
    return !binary.isAbsolute() || Files.isExecutable(binary);
  }

  /** Skips the calling test (an assumption, not a failure) when this build is absent. */
  public void assumeAvailable() {
    Assumptions.assumeTrue(
        available(),
        () ->
            name
                + " skipped: "
                + binary
                + " is absent (deploy/fixture/build-images.sh 10 builds the image and extracts it;"
                + " scripts/setup.d/60-fixture.sh runs that)");
  }

  @Override
  public String toString() {
    return name;
  }
}
