package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.testsupport.QemuVm;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an operator of a non-root agent sees for a QEMU started by root: the packaged agent jar, run
 * as an unprivileged user ({@code setpriv}, uid/gid 65534, no groups), finds the root QEMU with the
 * /proc scan, cannot open its socket (root's umask leaves it {@code srwxr-xr-x root}, so connect(2)
 * fails with EACCES), and lists it as {@code permission_denied} with the fix, in the API and in
 * {@code qmp_sentinel_vm_unmonitored} — instead of a VM forever {@code connected:false}.
 */
class UnmonitoredIT {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));
  private QemuVm qemu;
  private QemuVm hidden;
  private Process agent;
  private Path work;

  @AfterEach
  void cleanup() throws Exception {
    if (agent != null) {
      agent.destroyForcibly().waitFor();
    }
    if (qemu != null) {
      qemu.close();
    }
    if (hidden != null) {
      hidden.close();
    }
    if (work != null) {
      org.springframework.util.FileSystemUtils.deleteRecursively(work);
    }
  }

  @Test
  void aRootQemusSocketTheAgentCannotOpenIsListedAsPermissionDenied() throws Exception {
    assumeTrue(
        ProcessHandle.current().info().user().orElse("").equals("root"),
        "starts QEMU as root and the agent as another user");
    Path jar = REPO.resolve("agent/target/qmp-sentinel-exec.jar");
    assertThat(jar).exists();
    work = Files.createTempDirectory("libvirt-unmon-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path agentJar = work.resolve("agent.jar");
    Files.copy(jar, agentJar, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(agentJar, PosixFilePermissions.fromString("rw-r--r--"));
    Path sockets = Files.createDirectories(work.resolve("root"));
    Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
    qemu = QemuVm.healthy("libvirt-unmon-root", 1, sockets);
    // And one whose socket lies in a directory the agent may not even search (0700 root).
    Path privateDir = Files.createDirectories(work.resolve("private"));
    Files.setPosixFilePermissions(privateDir, PosixFilePermissions.fromString("rwx------"));
    hidden = QemuVm.healthy("libvirt-unmon-hidden", 1, privateDir);
    assertThat(Files.getOwner(qemu.socket()).getName()).isEqualTo("root");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(qemu.socket())))
        .doesNotContain("w-", "rw-rw-rw"); // no write bit for others: EACCES for them

    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    agent =
        new ProcessBuilder(
                List.of(
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    java,
                    "-jar",
                    agentJar.toString(),
                    "--server.port=" + port,
                    "--sentinel.discovery.socket-glob=",
                    "--sentinel.discovery.libvirt.enabled=false",
                    "--sentinel.alerting.spool-dir=" + work.resolve("spool")))
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("agent.log").toFile())
            .start();

    HttpClient http = HttpClient.newHttpClient();
    await("the root QEMU is listed as permission_denied")
        .atMost(Duration.ofMinutes(4)) // a loaded 2-core host took 40 s to start Tomcat
        .ignoreException(java.net.ConnectException.class) // until the agent listens
        .untilAsserted(
            () -> {
              assertThat(agent.isAlive()).as(Files.readString(work.resolve("agent.log"))).isTrue();
              // Other QEMUs of this shared host may be listed too: find ours.
              JsonNode e = null;
              for (JsonNode u :
                  JsonMapper.shared().readTree(get(http, port, "/api/v1/unmonitored"))) {
                if (u.path("id").asString().equals(qemu.socket().toString())) {
                  e = u;
                }
              }
              assertThat(e).as("listed").isNotNull();
              assertThat(e.path("reason").asString()).isEqualTo("permission_denied");
              assertThat(e.path("name").asString()).isEqualTo("libvirt-unmon-root");
              assertThat(e.path("id").asString()).isEqualTo(qemu.socket().toString());
              assertThat(e.path("fix").asString()).isNotBlank();
            });
    await("the QEMU behind a closed directory is listed as permission_denied")
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () ->
                assertThat(JsonMapper.shared().readTree(get(http, port, "/api/v1/unmonitored")))
                    .anySatisfy(
                        u -> {
                          assertThat(u.path("id").asString()).isEqualTo(hidden.socket().toString());
                          assertThat(u.path("reason").asString()).isEqualTo("permission_denied");
                        }));
    for (JsonNode vm : JsonMapper.shared().readTree(get(http, port, "/api/v1/vms"))) {
      assertThat(vm.path("name").asString()).isNotEqualTo("libvirt-unmon-root");
    }
    String scrape = get(http, port, "/actuator/prometheus");
    assertThat(scrape.lines().filter(l -> l.startsWith("qmp_sentinel_vm_unmonitored{")))
        .anySatisfy(
            l -> assertThat(l).contains("reason=\"permission_denied\"").doesNotEndWith(" 0.0"))
        .hasSize(5);
    String log = Files.readString(work.resolve("agent.log"));
    assertThat(log.split("not monitoring libvirt-unmon-root ", -1)).hasSize(2); // WARN once
  }

  private static String get(HttpClient http, int port, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
