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
    if (work != null) {
      org.springframework.util.FileSystemUtils.deleteRecursively(work);
    }
  }

  @Test
  void unchangedDomainsAreWatchedStuckOneDetectedResetGivesNewBaselineNothingTainted()
      throws Exception {
    assumeLibvirt();
    String type = Files.isReadable(Path.of("/dev/kvm")) ? "kvm" : "qemu";

    // libvirt's QEMU (user libvirt-qemu) must read the firmware: a world-readable directory.
    work = Files.createTempDirectory("libvirt-it-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path rom = work.resolve("stuck-bsp.rom");
    Files.copy(Guests.stuckBspRom(), rom, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(rom, PosixFilePermissions.fromString("rw-r--r--"));
    create(stuck, stuckUuid, type, "<loader type='rom'>" + rom + "</loader>");
    create(plain, plainUuid, type, "");

    int port =
        startAgent("sentinel.detector.suspect-after=2s", "sentinel.detector.confirm-after=2s");

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

  @Test
  void aDomainWithAnExtraQmpSocketIsWatchedOnceThroughThatSocket() throws Exception {
    assumeLibvirt();
    String type = Files.isReadable(Path.of("/dev/kvm")) ? "kvm" : "qemu";
    work = Files.createTempDirectory("libvirt-it-");
    Path sockets = Files.createDirectories(work.resolve("sock"));
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxrwxrwx"));
    String both = "libvirt-it-both-" + suffix;
    String uuid = UUID.randomUUID().toString();
    create(
        both,
        uuid,
        type,
        "",
        """
        <qemu:commandline>
          <qemu:arg value='-qmp'/>
          <qemu:arg value='unix:%s,server=on,wait=off'/>
        </qemu:commandline>
        """
            .formatted(sockets.resolve(both + ".qmp")));
    int port = startAgent("sentinel.discovery.socket-glob=" + sockets + "/*.qmp");
    await("the extra socket's VM is watched, and libvirt leaves it alone")
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(sources(port, uuid)).containsExactly("directory"));
    await("and it stays watched once")
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(sources(port, uuid)).containsExactly("directory"));
  }

  @Test
  void anUnreachableLibvirtIsListedAsUnmonitoredAndTheAgentRunsOn() throws Exception {
    work = Files.createTempDirectory("libvirt-it-");
    Path missing = work.resolve("libvirt-it-no-such.sock");
    int port =
        startAgent(
            "sentinel.discovery.libvirt.uri=qemu:///system?socket=" + missing,
            "sentinel.discovery.libvirt.reconnect-interval=1s");
    await("libvirt_unavailable is listed with libvirt's reason")
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode list = get(port, "/api/v1/unmonitored");
              assertThat(list).hasSize(1);
              assertThat(list.get(0).path("reason").asString()).isEqualTo("libvirt_unavailable");
              assertThat(list.get(0).path("detail").asString()).contains(missing.toString());
              assertThat(list.get(0).path("fix").asString()).contains("libvirt");
            });
    String metrics = text(port, "/actuator/prometheus");
    assertThat(unmonitoredGauge(metrics, "libvirt_unavailable")).isEqualTo(1.0);
    for (String other :
        List.of(
            "permission_denied",
            "no_monitor_socket",
            "socket_in_use_by_manager",
            "unsupported_qemu")) {
      assertThat(unmonitoredGauge(metrics, other)).as(other).isZero();
    }
    assertThat(get(port, "/api/v1/vms").isArray()).isTrue();
  }

  @Test
  void registerConfirmationWhenEnabledReadsTheApAndTaintsTheDomain() throws Exception {
    assumeLibvirt();
    assumeTrue(Files.isReadable(Path.of("/dev/kvm")), "the stuck signature needs KVM");
    work = Files.createTempDirectory("libvirt-it-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path rom = work.resolve("stuck-bsp.rom");
    Files.copy(Guests.stuckBspRom(), rom, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(rom, PosixFilePermissions.fromString("rw-r--r--"));
    String regs = "libvirt-it-regs-" + suffix;
    String uuid = UUID.randomUUID().toString();
    create(regs, uuid, "kvm", "<loader type='rom'>" + rom + "</loader>");
    int port =
        startAgent(
            "sentinel.discovery.libvirt.register-confirmation=true",
            "sentinel.detector.suspect-after=2s",
            "sentinel.detector.confirm-after=10m"); // only the register read can confirm now
    JsonNode hang =
        await("the suspected AP's registers confirm it")
            .atMost(Duration.ofSeconds(60))
            .until(() -> confirmedStuck(get(port, "/api/v1/vms/" + uuid)), h -> h != null);
    assertThat(hang.path("evidence").path("figures").path("confirmed_cpu").asInt()).isEqualTo(1);
    assertThat(hang.path("evidence").path("figures").path("eip").asString()).isEqualTo("0000fff0");
    // The price, documented with the property: libvirt marks the domain tainted.
    Path log = Path.of("/var/log/libvirt/qemu", regs + ".log");
    assertThat(Files.readString(log)).contains("custom-monitor");
  }

  private void assumeLibvirt() throws Exception {
    DeployArtifactsIT.Run version = virsh("version");
    assumeTrue(version.exit() == 0, "libvirtd is not reachable: " + version.output());
  }

  /**
   * The agent in this JVM; properties as arguments, which outrank the packaged application.yml (one
   * argument per key: a repeated key would bind as a list).
   */
  private int startAgent(String... properties) {
    java.util.Map<String, String> props = new java.util.LinkedHashMap<>();
    props.put("server.port", "0");
    props.put("sentinel.discovery.proc-scan", "false");
    props.put("sentinel.discovery.socket-glob", "");
    props.put("sentinel.alerting.spool-dir", work.resolve("spool").toString());
    for (String p : properties) {
      String[] kv = p.split("=", 2);
      props.put(kv[0], kv[1]);
    }
    String[] args =
        props.entrySet().stream()
            .map(e -> "--" + e.getKey() + "=" + e.getValue())
            .toArray(String[]::new);
    agent = new SpringApplicationBuilder(SentinelApplication.class).run(args);
    return ((WebServerApplicationContext) agent).getWebServer().getPort();
  }

  /** The value of {@code qmp_sentinel_vm_unmonitored{reason}} in a scrape; fails if absent. */
  private static double unmonitoredGauge(String scrape, String reason) {
    return scrape
        .lines()
        .filter(l -> l.startsWith("qmp_sentinel_vm_unmonitored{"))
        .filter(l -> l.contains("reason=\"" + reason + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no qmp_sentinel_vm_unmonitored{" + reason + "}"));
  }

  private static List<String> sources(int port, String uuid) throws Exception {
    List<String> sources = new ArrayList<>();
    for (JsonNode vm : get(port, "/api/v1/vms")) {
      if (vm.path("uuid").asString().equals(uuid)) {
        sources.add(vm.path("source").asString());
      }
    }
    return sources;
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
    create(name, uuid, type, loader, "");
  }

  private void create(String name, String uuid, String type, String loader, String extra)
      throws Exception {
    Path xml = work.resolve(name + ".xml");
    Files.writeString(
        xml,
        """
        <domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>%s</name>
          <uuid>%s</uuid>
          <memory unit='MiB'>64</memory>
          <vcpu>2</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type>%s</os>
          <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
          %s
        </domain>
        """
            .formatted(type, name, uuid, loader, extra));
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
    return JsonMapper.shared().readTree(text(port, path));
  }

  private static String text(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
