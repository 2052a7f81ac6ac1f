package org.qmpsentinel.agent.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class SocketDirectorySourceTest {
  /** Not the test's own uid (root), so only the listed owners count. */
  private static final long AGENT_UID = 4299;

  /** The default list; the test's own user too, should the tests not run as root. */
  private static final List<String> DEFAULT_OWNERS =
      List.of("root", "libvirt-qemu", "qemu", System.getProperty("user.name"));

  @TempDir Path tmp;
  private final Sockets sockets = new Sockets();

  @AfterEach
  void close() throws Exception {
    sockets.close();
  }

  private static SocketPolicy policy(List<String> owners) {
    return new SocketPolicy(SocketOwners.of(owners, AGENT_UID));
  }

  private SocketDirectorySource source(Path dir, List<String> owners) {
    return new SocketDirectorySource(dir + "/*.qmp", policy(owners));
  }

  private static List<String> endpoints(List<DiscoveredVm> vms) {
    return vms.stream().map(vm -> vm.name() + "=" + vm.endpoint()).toList();
  }

  @Test
  void findsASocketOwnedByAListedUserAndIgnoresWhatIsNoSocket() throws Exception {
    Path dir = tmp.resolve("qmp");
    sockets.listen(dir.resolve("vm1.qmp"));
    sockets.listen(dir.resolve("other.sock")); // does not match the glob
    Files.writeString(dir.resolve("notes.qmp"), "a regular file");
    Files.createDirectory(dir.resolve("sub.qmp"));

    SocketDirectorySource source = source(dir, DEFAULT_OWNERS);

    assertThat(endpoints(source.scan())).containsExactly("vm1=unix:" + dir.resolve("vm1.qmp"));
    assertThat(source.refusedSockets())
        .isEqualTo(Map.of("symlink", 0L, "outside_directory", 0L, "owner", 0L));
  }

  @Test
  void aSymlinkToASocketOutsideTheDirectoryIsRefusedLoggedOnceAndCounted(CapturedOutput output)
      throws Exception {
    Path dir = tmp.resolve("qmp");
    Path elsewhere = sockets.listen(tmp.resolve("libvirt/monitor.sock"));
    sockets.listen(dir.resolve("real.qmp"));
    Files.createSymbolicLink(dir.resolve("evil.qmp"), elsewhere);
    Files.createSymbolicLink(dir.resolve("alias.qmp"), dir.resolve("real.qmp"));
    SocketDirectorySource source = source(dir, DEFAULT_OWNERS);

    List<DiscoveredVm> first = source.scan();
    List<DiscoveredVm> second = source.scan();

    assertThat(endpoints(first)).containsExactly("real=unix:" + dir.resolve("real.qmp"));
    assertThat(endpoints(second)).isEqualTo(endpoints(first));
    assertThat(source.refusedSockets()).containsEntry("symlink", 2L);
    String evil = "not connecting to " + dir.resolve("evil.qmp") + ": a symlink to " + elsewhere;
    assertThat(output.getOut().split(java.util.regex.Pattern.quote(evil), -1)).hasSize(2);
    assertThat(output).contains("WARN").contains(dir.resolve("alias.qmp") + ": a symlink");
  }

  @Test
  void aSocketOwnedByAnUnlistedUidIsRefused(CapturedOutput output) throws Exception {
    Path dir = tmp.resolve("qmp");
    Sockets.chown(sockets.listen(dir.resolve("foreign.qmp")), 4242, 4243);

    SocketDirectorySource defaults = source(dir, DEFAULT_OWNERS);
    assertThat(defaults.scan()).isEmpty();
    assertThat(defaults.refusedSockets()).containsEntry("owner", 1L);
    assertThat(output)
        .contains(
            dir.resolve("foreign.qmp")
                + ": owned by uid 4242, gid 4243, not in sentinel.discovery.socket-owners");

    // Listed by uid, or by group: admitted.
    assertThat(source(dir, List.of("4242")).scan()).hasSize(1);
    assertThat(source(dir, List.of("group:4243")).scan()).hasSize(1);
    assertThat(source(dir, List.of("4243")).scan()).isEmpty(); // a gid is no uid
  }

  @Test
  void theAgentsOwnUserIsAlwaysAdmitted() throws Exception {
    Path dir = tmp.resolve("qmp");
    Sockets.chown(sockets.listen(dir.resolve("own.qmp")), (int) AGENT_UID, 0);
    assertThat(source(dir, List.of()).scan()).hasSize(1);
  }

  @Test
  void aMissingDirectoryIsReportedOnceAndPickedUpWhenItAppears(CapturedOutput output)
      throws Exception {
    Path dir = tmp.resolve("later");
    SocketDirectorySource source = source(dir, DEFAULT_OWNERS);

    assertThat(source.scan()).isEmpty();
    assertThat(source.scan()).isEmpty();
    String warning =
        "sentinel.discovery.socket-glob: directory " + dir + " does not exist; looking for it";
    assertThat(output.getOut().split(java.util.regex.Pattern.quote(warning), -1)).hasSize(2);

    sockets.listen(dir.resolve("vm.qmp"));
    assertThat(endpoints(source.scan())).containsExactly("vm=unix:" + dir.resolve("vm.qmp"));
    assertThat(output).contains("directory " + dir + " exists now");
  }

  @Test
  void refusalsAreExportedAsACounterPerSourceAndReason() throws Exception {
    Path dir = tmp.resolve("qmp");
    Files.createDirectories(dir);
    Files.createSymbolicLink(dir.resolve("evil.qmp"), sockets.listen(tmp.resolve("x.sock")));
    SocketPolicy policy = policy(DEFAULT_OWNERS);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    policy.bindTo(registry);
    SocketDirectorySource source = new SocketDirectorySource(dir + "/*.qmp", policy);

    source.scan();

    assertThat(
            registry
                .get(SocketPolicy.METRIC)
                .tags("source", "directory", "reason", "symlink")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get(SocketPolicy.METRIC)
                .tags("source", "directory", "reason", "owner")
                .functionCounter()
                .count())
        .isZero();
  }

  @Test
  void anUnchangedDirectoryIsNotListedAgainUntilTheFullRescan() throws Exception {
    Path dir = tmp.resolve("qmp");
    Path socket = Sockets.chown(sockets.listen(dir.resolve("late.qmp")), 4242, 4243);
    // The directory's times are settled once the clock is past them by more than a tick.
    long[] now = {System.currentTimeMillis() + 2 * DirectoryStamp.SETTLE_MILLIS};
    SocketDirectorySource source =
        new SocketDirectorySource(dir + "/*.qmp", policy(List.of("4242")), () -> now[0]);
    Sockets.chown(socket, 4244, 4243); // an owner not listed: refused
    assertThat(source.scan()).isEmpty();

    // A chown changes the socket, not its directory: the listing still holds...
    Sockets.chown(socket, 4242, 4243);
    now[0] += 1_000;
    assertThat(source.scan()).isEmpty();

    // ...until the full rescan, which sees the new owner.
    now[0] += SocketDirectorySource.FULL_RESCAN_MILLIS;
    assertThat(endpoints(source.scan())).containsExactly("late=unix:" + socket);
  }

  @Test
  void aSocketAddedToASettledDirectoryIsFoundByTheNextScan() throws Exception {
    Path dir = tmp.resolve("qmp");
    sockets.listen(dir.resolve("one.qmp"));
    long[] now = {System.currentTimeMillis() + 2 * DirectoryStamp.SETTLE_MILLIS};
    SocketDirectorySource source =
        new SocketDirectorySource(dir + "/*.qmp", policy(DEFAULT_OWNERS), () -> now[0]);
    assertThat(source.scan()).hasSize(1);

    sockets.listen(dir.resolve("two.qmp"));
    now[0] += 1_000;

    assertThat(endpoints(source.scan()))
        .containsExactlyInAnyOrder(
            "one=unix:" + dir.resolve("one.qmp"), "two=unix:" + dir.resolve("two.qmp"));
  }
}
