package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What a directory's own inode says about its entries: any entry created, removed, renamed or
 * replaced changes the directory's modification and change times. Comparing two stamps tells
 * whether a listing taken with the first one still holds, without reading a single entry — at 1,000
 * sockets a listing with its checks costs thousands of system calls a scan, a stamp one.
 *
 * <p>Timestamps tick coarsely (a few milliseconds), so a change made in the same tick as, but
 * after, the stamp was read leaves the stamp unchanged. As git does with its index, a stamp is
 * trusted only once it is older than {@link #SETTLE_MILLIS}: a directory changed that recently is
 * listed again on the next scan.
 *
 * @param device the directory's device and {@code inode}: a directory replaced by another differs
 */
record DirectoryStamp(
    long device, long inode, FileTime modified, FileTime changed, long readAtMillis) {
  static final long SETTLE_MILLIS = 1_000;

  static DirectoryStamp read(Path directory, long nowMillis) throws IOException {
    Map<String, Object> a = Files.readAttributes(directory, "unix:dev,ino,lastModifiedTime,ctime");
    return new DirectoryStamp(
        (Long) SocketFile.attribute(a, "dev"),
        (Long) SocketFile.attribute(a, "ino"),
        (FileTime) SocketFile.attribute(a, "lastModifiedTime"),
        (FileTime) SocketFile.attribute(a, "ctime"),
        nowMillis);
  }

  /**
   * Whether a listing taken when this stamp was read still holds now that {@code later} was read:
   * the same directory, unchanged, and the change time already settled when this stamp was read.
   */
  boolean stillHolds(DirectoryStamp later) {
    return device == later.device
        && inode == later.inode
        && modified.equals(later.modified)
        && changed.equals(later.changed)
        && readAtMillis - Math.max(modified.toMillis(), changed.toMillis()) >= SETTLE_MILLIS;
  }
}
