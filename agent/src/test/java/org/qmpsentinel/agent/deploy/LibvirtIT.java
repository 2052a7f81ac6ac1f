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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.SentinelApplication;
import org.qmpsentinel.agent.testsupport.Guests;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real libvirt domains (Debian's libvirtd, started by scripts/setup.d/55-libvirt.sh), defined with
 * nothing for qmp-sentinel — no {@code <qemu:commandline>}, no extra socket: the agent sees them
 * through libvirt's read-only API alone, detects the stuck-signature guest (deploy/guests, the
 * crafted firmware as the domain's BIOS), gives a reset domain a new boot baseline from libvirt's
 * reboot event, and leaves no taint in the domain's XML or log.
 */
class LibvirtIT {
  private static final String URI_SYSTEM = "qemu:///system";
  private final String suffix = Long.toHexString(System.nanoTime());
  private final String stuck = "libvirt-it-stuck-" + suffix;
  private final String plain = "libvirt-it-plain-" + suffix;
  private final String stuckUuid = UUID.randomUUID().toString();
  private final String plainUuid = UUID.randomUUID().toString();
  private final List<String> created = new ArrayList<>();
  private ConfigurableApplicationContext agent;
  private Path work;

  @AfterEach
  void cleanup() throws Exception {
    if (agent != null) {
      agent.close();
    }
    for (String name : created) {
      virsh("destroy", name);
    }
  }

  @Test
  void unchangedDomainsAreWatchedStuckOneDetectedResetGivesNewBaselineNothingTainted()
      throws Exception {
    DeployArtifactsIT.Run version = virsh("version");
    assumeTrue(version.exit() == 0, "libvirtd is not reachable: " + version.output());
    String type = Files.isReadable(Path.of("/dev/kvm")) ? "kvm" : "qemu";

    // libvirt's QEMU (user libvirt-qemu) must read the firmware: a world-readable directory.
    work = Files.createTempDirectory("libvirt-it-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path rom = work.resolve("stuck-bsp.rom");
    Files.copy(Guests.stuckBspRom(), rom, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(rom, PosixFilePermissions.fromString("rw-r--r--"));
    create(stuck, stuckUuid, type, "<loader type='rom'>" + rom + "</loader>");
    create(plain, plainUuid, type, "");

    agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            .properties(
                "sentinel.discovery.proc-scan=false",
                "sentinel.discovery.socket-glob=",
                "sentinel.detector.suspect-after=2s",
                "sentinel.detector.confirm-after=2s",
                "sentinel.alerting.spool-dir=" + work.resolve("spool"))
            .run("--server.port=0"); // an argument outranks application.yml; a default would not
    int port = ((WebServerApplicationContext) agent).getWebServer().getPort();

    for (String[] vm : List.of(new String[] {stuckUuid, stuck}, new String[] {plainUuid, plain})) {
      await(vm[1] + " is watched through libvirt")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode s = get(port, "/api/v1/vms/" + vm[0]);
                assertThat(s.path("source").asString()).isEqualTo("libvirt");
                assertThat(s.path("name").asString()).isEqualTo(vm[1]);
                assertThat(s.path("connected").asBoolean()).isTrue();
                assertThat(s.path("vcpus")).hasSize(2);
              });
    }
    JsonNode before =
        await("the stuck domain is detected")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> confirmedStuck(get(port, "/api/v1/vms/" + stuckUuid)), hang -> hang != null);
    assertThat(get(port, "/api/v1/vms/" + stuckUuid).path("baseline").asString())
        .isEqualTo("ABSOLUTE");
    assertThat(before.path("evidence").path("figures").path("source").asString())
        .isEqualTo(type.equals("kvm") ? "kvm_stats" : "schedstat");
    assertThat(get(port, "/api/v1/vms/" + plainUuid).path("activeHangs")).isEmpty();

    DeployArtifactsIT.Run reset = virsh("reset", stuck);
    assertThat(reset.exit()).as(reset.output()).isZero();
    await("the reset gives a new baseline and the stuck APs are detected again")
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              JsonNode s = get(port, "/api/v1/vms/" + stuckUuid);
              assertThat(s.path("baseline").asString()).isIn("TIMELY", "LATE");
              JsonNode again = confirmedStuck(s);
              assertThat(again).isNotNull();
              assertThat(again.path("since").asString())
                  .isGreaterThan(before.path("since").asString());
            });

    for (String name : List.of(stuck, plain)) {
      DeployArtifactsIT.Run xml = virsh("dumpxml", name);
      assertThat(xml.exit()).as(xml.output()).isZero();
      assertThat(xml.output()).doesNotContainIgnoringCase("taint");
      Path log = Path.of("/var/log/libvirt/qemu", name + ".log");
      if (Files.isReadable(log)) {
        assertThat(Files.readString(log)).doesNotContainIgnoringCase("taint");
      }
    }
    JsonNode unmonitored = get(port, "/api/v1/unmonitored");
    assertThat(unmonitored.isArray()).isTrue();
    assertThat(unmonitored.toString()).doesNotContain(stuckUuid).doesNotContain(plainUuid);
  }

  private static JsonNode confirmedStuck(JsonNode snapshot) {
    for (JsonNode h : snapshot.path("activeHangs")) {
      if (h.path("kind").asString().equals("AP_STUCK_IN_RESET")
          && h.path("state").asString().equals("CONFIRMED")) {
        return h;
      }
    }
    return null;
  }

  private void create(String name, String uuid, String type, String loader) throws Exception {
    Path xml = work.resolve(name + ".xml");
    Files.writeString(
        xml,
        """
        <domain type='%s'>
          <name>%s</name>
          <uuid>%s</uuid>
          <memory unit='MiB'>64</memory>
          <vcpu>2</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type>%s</os>
          <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
        </domain>
        """
            .formatted(type, name, uuid, loader));
    DeployArtifactsIT.Run run = virsh("create", xml.toString());
    assertThat(run.exit()).as(run.output()).isZero();
    created.add(name);
  }

  private static DeployArtifactsIT.Run virsh(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("virsh", "-c", URI_SYSTEM));
    command.addAll(List.of(args));
    return DeployArtifactsIT.run(Path.of("/"), command.toArray(String[]::new));
  }

  private static JsonNode get(int port, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    return JsonMapper.shared().readTree(r.body());
  }
}
