package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.Refusals.Reason;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QMP sockets matching a glob such as {@code /run/qmp-sentinel/*.qmp}. Rescanned every discovery
 * interval (a directory listing is cheap and, unlike inotify, cannot miss events); the VM's name is
 * the socket's file name without extension until QEMU reports its own.
 *
 * <p>Only sockets that are really in the directory are reported: a symlink, an entry whose real
 * path lies elsewhere, and a socket whose owner is not among the {@link SocketOwners} are refused
 * (see {@link Refusals}), since whoever can write the directory could otherwise point the agent at
 * any socket on the host, libvirt's own monitor included. A missing directory is no error: it is
 * logged once and looked for again every scan, and its sockets are found once it exists.
 *
 * <p>A scan whose directory has not changed since the previous listing ({@link DirectoryStamp})
 * reports that listing again without reading an entry; a full listing still runs every {@link
 * #FULL_RESCAN_MILLIS}, since a socket's owner can change (chown) without touching its directory.
 */
public final class SocketDirectorySource implements DiscoverySource {
  private static final Logger log = LoggerFactory.getLogger(SocketDirectorySource.class);
  private static final String PROPERTY = "sentinel.discovery.socket-glob";

  private final Path directory;
  private final PathMatcher matcher;
  private final SocketOwners owners;
  private final Refusals refusals;
  private final Unmonitored unmonitored;
  private final java.util.Set<String> unmonitoredNow = new java.util.HashSet<>();
  private final PrincipalNames names = new PrincipalNames(System::nanoTime);
  static final long FULL_RESCAN_MILLIS = 30_000;

  private final LongSupplier wallMillis;
  private boolean directoryMissing;
  private @Nullable DirectoryStamp listed;
  private long listedAtMillis;
  private List<DiscoveredVm> lastFound = List.of();

  public SocketDirectorySource(String glob, SocketPolicy policy) {
    this(glob, policy, System::currentTimeMillis);
  }

  /** {@code wallMillis}: the clock file times are compared with (tests move it). */
  SocketDirectorySource(String glob, SocketPolicy policy, LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
    Path pattern = Path.of(glob);
    Path parent = pattern.getParent();
    if (parent == null || parent.toString().contains("*")) {
      throw new IllegalArgumentException(
          PROPERTY + " must be DIRECTORY/PATTERN with a fixed directory: " + glob);
    }
    this.directory = parent;
    this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName());
    this.owners = policy.owners();
    this.unmonitored = policy.unmonitored();
    this.refusals =
        policy.refusals(name(), EnumSet.of(Reason.SYMLINK, Reason.OUTSIDE_DIRECTORY, Reason.OWNER));
  }

  @Override
  public String name() {
    return "directory";
  }

  @Override
  public List<DiscoveredVm> scan() throws IOException {
    long now = wallMillis.getAsLong();
    DirectoryStamp stamp;
    try {
      // Read before the listing: a change made while listing then shows in the next stamp.
      stamp = DirectoryStamp.read(directory, now);
    } catch (NoSuchFileException e) {
      listed = null;
      return missing();
    }
    if (listed != null && listed.stillHolds(stamp) && now - listedAtMillis < FULL_RESCAN_MILLIS) {
      return lastFound;
    }
    List<DiscoveredVm> found = new ArrayList<>();
    try {
      // Real path once per scan: the directory itself may be reached through a symlink
      // (/var/run -> /run); only what lies beneath it is checked.
      Path realDirectory = directory.toRealPath();
      try (DirectoryStream<Path> entries =
          Files.newDirectoryStream(directory, e -> matcher.matches(e.getFileName()))) {
        for (Path entry : entries) {
          admit(entry, realDirectory).ifPresent(found::add);
        }
      }
    } catch (NoSuchFileException e) {
      listed = null;
      return missing();
    } finally {
      refusals.scanDone();
      unmonitored.retain(name(), unmonitoredNow);
      unmonitoredNow.clear();
    }
    if (directoryMissing) {
      directoryMissing = false;
      log.info("{}: directory {} exists now", PROPERTY, directory);
    }
    listed = stamp;
    listedAtMillis = now;
    lastFound = List.copyOf(found);
    return lastFound;
  }

  private List<DiscoveredVm> missing() {
    if (!directoryMissing) {
      directoryMissing = true;
      log.warn(
          "{}: directory {} does not exist; looking for it again every scan", PROPERTY, directory);
    }
    return List.of();
  }

  /** Refusals so far by reason ({@code symlink}, {@code outside_directory}, {@code owner}). */
  public Map<String, Long> refusedSockets() {
    return refusals.counts();
  }

  private Optional<DiscoveredVm> admit(Path entry, Path realDirectory) throws IOException {
    Optional<SocketFile> inspected = SocketFile.inspect(entry, names);
    if (inspected.isEmpty()) {
      return Optional.empty(); // gone since the listing
    }
    SocketFile file = inspected.get();
    if (file.isSymlink()) {
      refusals.refuse(entry, Reason.SYMLINK, "a symlink to " + target(entry));
      return Optional.empty();
    }
    if (!file.isSocket()) {
      return Optional.empty(); // a regular file or directory that matches the glob: not a VM
    }
    Path real;
    try {
      real = entry.toRealPath();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!realDirectory.equals(real.getParent())) {
      refusals.refuse(entry, Reason.OUTSIDE_DIRECTORY, "resolves to " + real);
      return Optional.empty();
    }
    if (!owners.admits(file)) {
      refusals.refuse(
          entry,
          Reason.OWNER,
          "owned by " + file.ownerText() + ", not in sentinel.discovery.socket-owners");
      return Optional.empty();
    }
    if (!Files.isWritable(entry)) {
      // connect() on a unix socket needs write permission: it would fail with EACCES forever.
      unmonitoredNow.add(entry.toString());
      unmonitored.report(
          name(),
          entry.toString(),
          stem(entry),
          Unmonitored.Reason.PERMISSION_DENIED,
          "cannot open " + entry + " (owned by " + file.ownerText() + "): permission denied");
      return Optional.empty();
    }
    return Optional.of(
        new DiscoveredVm(
            name(), stem(entry), QmpEndpoint.unix(entry), Optional.empty(), OptionalLong.empty()));
  }

  private static String target(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String stem(Path socket) {
    String file = socket.getFileName().toString();
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }
}
