package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.testsupport.QemuVm;

/**
 * The top-level Dockerfile, built from the locally imported Debian base (scripts/lib/docker.sh)
 * with Debian's JRE, run as its non-root user with the documented flags against a real QEMU VM: its
 * metrics endpoint answers with that VM's metrics.
 */
class AgentImageIT {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));
  private static final String IMAGE = "qmp-sentinel/agent:it";
  private final String container = "qmp-sentinel-it-" + ProcessHandle.current().pid();

  @AfterEach
  void remove() throws Exception {
    DeployArtifactsIT.run(REPO, "docker", "rm", "-f", container);
  }

  @Test
  void imageServesTheMetricsOfARealVm() throws Exception {
    assumeTrue(
        DeployArtifactsIT.run(REPO, "docker", "info").exit() == 0,
        "no Docker engine (scripts/test starts one)");
    assumeTrue(
        DeployArtifactsIT.run(REPO, "docker", "image", "inspect", "qmp-sentinel/debian:bookworm")
                .exit()
            == 0,
        "no local base image qmp-sentinel/debian:bookworm (scripts/setup.d/30-docker.sh builds it)");
    assertThat(REPO.resolve("agent/target/qmp-sentinel-exec.jar"))
        .exists(); // packaged before Failsafe runs

    DeployArtifactsIT.Run build =
        DeployArtifactsIT.run(
            REPO,
            "docker",
            "build",
            "-q",
            "--network",
            "host",
            "--target",
            "runtime-prebuilt",
            "--build-arg",
            "RUNTIME_IMAGE=qmp-sentinel/debian:bookworm",
            "--build-arg",
            "RUNTIME_PACKAGES=openjdk-17-jre-headless",
            "-t",
            IMAGE,
            ".");
    assertThat(build.exit()).as(build.output()).isZero();
    assertThat(
            DeployArtifactsIT.run(REPO, "docker", "run", "--rm", "--entrypoint", "id", IMAGE, "-u")
                .output()
                .trim())
        .isEqualTo("10001"); // non-root

    Path sockets = Files.createTempDirectory("image-it");
    Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (QemuVm vm = QemuVm.healthy("image-vm", 2, sockets)) {
      // The container user connects to the socket: connect(2) needs write permission on it.
      Files.setPosixFilePermissions(vm.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      DeployArtifactsIT.Run run =
          DeployArtifactsIT.run(
              REPO,
              "docker",
              "run",
              "-d",
              "--name",
              container,
              "--network",
              "host",
              "--pid",
              "host",
              "-v",
              sockets + ":" + sockets,
              IMAGE,
              "--server.port=" + port,
              "--sentinel.discovery.socket-glob=" + sockets + "/*.qmp",
              "--sentinel.discovery.proc-scan=false",
              "--sentinel.discovery.libvirt.enabled=false",
              "--sentinel.alerting.spool-dir=/tmp/spool");
      assertThat(run.exit()).as(run.output()).isZero();
      HttpClient http = HttpClient.newHttpClient();
      URI metrics = URI.create("http://127.0.0.1:" + port + "/actuator/prometheus");
      await("metrics of image-vm from the container")
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                String body =
                    http.send(
                            HttpRequest.newBuilder(metrics).build(),
                            HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(body).contains("qmp_sentinel_vm_up{vm=\"image-vm\"} 1.0");
                assertThat(body).contains("qmp_sentinel_vm_vcpus{vm=\"image-vm\"} 2.0");
                // --pid host: the container reads the host's vCPU thread CPU time
                assertThat(body)
                    .contains("qmp_sentinel_vcpu_cpu_seconds_total{vcpu=\"0\",vm=\"image-vm\"}");
              });
    }
  }
}
