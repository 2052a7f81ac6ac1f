package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.testsupport.QemuVm;

/**
 * The deploy/ artifacts checked with the real tools: promtool for the alerting rules (and their
 * unit tests), systemd-analyze for the unit, and the /proc permission the unit relies on.
 */
class DeployArtifactsIT {
  /** The unit must stay at least this well hardened (systemd-analyze's 0 = best, 10 = worst). */
  static final double EXPOSURE_FLOOR = 2.0;

  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));

  record Run(int exit, String output) {}

  static Run run(Path dir, String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void prometheusRulesAreValidAndTheirUnitTestsPass() throws Exception {
    Path dir = REPO.resolve("deploy/prometheus");
    Run check = run(dir, "promtool", "check", "rules", "qmp-sentinel-rules.yml");
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 11 rules found");
    Run test = run(dir, "promtool", "test", "rules", "qmp-sentinel-rules.test.yml");
    assertThat(test.exit()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
    Run config = run(dir, "promtool", "check", "config", "prometheus.yml");
    assertThat(config.exit()).as(config.output()).isZero();
  }

  /** The example routing (one notification per incident, PrometheusAlertmanagerE2EIT) is valid. */
  @Test
  void alertmanagerExampleIsValid() throws Exception {
    Run check =
        run(REPO.resolve("deploy/alertmanager"), "amtool", "check-config", "alertmanager.yml");
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS", "1 inhibit rules");
  }

  @Test
  void systemdUnitVerifiesAndIsHardened() throws Exception {
    Path unit = REPO.resolve("deploy/systemd/qmp-sentinel.service");
    Path dir = Files.createTempDirectory("unit");
    // The launcher is /usr/bin/qmp-sentinel once the package is installed (scripts/install-test
    // verifies the installed unit as it is); here the repository's copy of it stands in, so that
    // verify checks every other line of the unit.
    Path launcher = REPO.resolve("packaging/qmp-sentinel").toAbsolutePath().normalize();
    Files.writeString(
        dir.resolve("qmp-sentinel.service"),
        Files.readString(unit)
            .replace("ExecStart=/usr/bin/qmp-sentinel ", "ExecStart=" + launcher + " "));
    Run verify = run(dir, "systemd-analyze", "verify", "./qmp-sentinel.service");
    assertThat(verify.exit()).as(verify.output()).isZero();
    assertThat(verify.output())
        .doesNotContain("qmp-sentinel.service:"); // no warnings about our lines
    Run security =
        run(dir, "systemd-analyze", "security", "--offline=yes", "./qmp-sentinel.service");
    Matcher m =
        Pattern.compile("Overall exposure level for qmp-sentinel.service: ([0-9.]+)")
            .matcher(security.output());
    assertThat(m.find()).as(security.output()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isLessThanOrEqualTo(EXPOSURE_FLOOR);
  }

  /**
   * The unit runs as an unprivileged user with no capabilities: reading the CPU time of another
   * user's QEMU threads must need none (true unless /proc is mounted hidepid=).
   */
  @Test
  void anUnprivilegedUserCanReadQemuThreadSchedstat() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to nobody");
    Path dir = Files.createTempDirectory("schedstat");
    try (QemuVm vm = QemuVm.healthy("schedstat", 2, dir)) {
      List<String> tids = new ArrayList<>();
      try (var tasks = Files.list(Path.of("/proc", Long.toString(vm.pid()), "task"))) {
        tasks.forEach(t -> tids.add(t.getFileName().toString()));
      }
      Path schedstat =
          Path.of("/proc", Long.toString(vm.pid()), "task", tids.get(tids.size() - 1), "schedstat");
      Run read = run(dir, "runuser", "-u", "nobody", "--", "cat", schedstat.toString());
      assertThat(read.exit()).as(read.output()).isZero();
      assertThat(read.output().trim()).matches("\\d+ \\d+ \\d+");
    }
  }
}
