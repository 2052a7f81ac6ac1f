package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.SentinelApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real libvirt domain (Debian's libvirtd, started by scripts/setup.d/55-libvirt.sh) with an extra
 * QMP socket in its {@code <qemu:commandline>}: the agent finds it through libvirt's status files
 * alone and monitors it under its libvirt name and UUID.
 */
class LibvirtIT {
  private final String name = "sentinel-it-" + Long.toHexString(System.nanoTime());
  private final String uuid = UUID.randomUUID().toString();
  private ConfigurableApplicationContext agent;

  @AfterEach
  void cleanup() throws Exception {
    if (agent != null) {
      agent.close();
    }
    DeployArtifactsIT.run(Path.of("/"), "virsh", "-c", "qemu:///system", "destroy", name);
  }

  @Test
  void agentDiscoversAndMonitorsALibvirtDomain() throws Exception {
    DeployArtifactsIT.Run version =
        DeployArtifactsIT.run(Path.of("/"), "virsh", "-c", "qemu:///system", "version");
    assumeTrue(version.exit() == 0, "libvirtd is not reachable: " + version.output());
    boolean kvm = Files.isReadable(Path.of("/dev/kvm"));

    Path sockets = Files.createTempDirectory("libvirt-qmp");
    Files.setPosixFilePermissions(
        sockets, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Path socket = sockets.resolve(name + ".qmp");
    Path xml = sockets.resolve(name + ".xml");
    Files.writeString(
        xml,
        """
        <domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>%s</name>
          <uuid>%s</uuid>
          <memory unit='MiB'>64</memory>
          <vcpu>2</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
          <qemu:commandline>
            <qemu:arg value='-qmp'/>
            <qemu:arg value='unix:%s,server=on,wait=off'/>
          </qemu:commandline>
        </domain>
        """
            .formatted(kvm ? "kvm" : "qemu", name, uuid, socket));
    DeployArtifactsIT.Run create =
        DeployArtifactsIT.run(
            Path.of("/"), "virsh", "-c", "qemu:///system", "create", xml.toString());
    assertThat(create.exit()).as(create.output()).isZero();

    agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            .properties(
                "sentinel.discovery.proc-scan=false",
                "sentinel.discovery.socket-glob=",
                "sentinel.alerting.spool-dir=" + sockets.resolve("spool"))
            .run("--server.port=0"); // an argument outranks application.yml; a default would not
    int port = ((WebServerApplicationContext) agent).getWebServer().getPort();
    HttpClient http = HttpClient.newHttpClient();
    await("the libvirt domain is monitored")
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              String body =
                  http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + port + "/api/v1/vms/" + uuid))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body();
              JsonNode vm = JsonMapper.shared().readTree(body);
              assertThat(vm.path("source").asString()).isEqualTo("libvirt");
              assertThat(vm.path("name").asString()).isEqualTo(name);
              assertThat(vm.path("uuid").asString()).isEqualTo(uuid);
              assertThat(vm.path("connected").asBoolean()).isTrue();
              assertThat(vm.path("pid").asLong()).isPositive();
              assertThat(vm.path("vcpus")).hasSize(2);
            });
  }
}
