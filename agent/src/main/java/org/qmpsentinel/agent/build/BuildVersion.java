package org.qmpsentinel.agent.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of the running agent.
 *
 * @param version the Maven project version ({@code META-INF/build-info.properties})
 * @param revision the abbreviated git commit, with {@code -dirty} when the tree had local changes,
 *     or {@code unknown} when the build had no repository ({@code git.properties})
 * @param java the version of the JVM running the agent
 */
public record BuildVersion(String version, String revision, String java) {
  static final String UNKNOWN = "unknown";

  /** The version of this jar, as the build recorded it, on the JVM running now. */
  public static BuildVersion current() {
    Properties build = load("META-INF/build-info.properties");
    Properties git = load("git.properties");
    return of(build, git, Runtime.version().toString());
  }

  static BuildVersion of(Properties build, Properties git, String java) {
    String commit = git.getProperty("git.commit.id.abbrev", "");
    String revision =
        commit.isBlank()
            ? UNKNOWN
            : commit + (Boolean.parseBoolean(git.getProperty("git.dirty")) ? "-dirty" : "");
    return new BuildVersion(build.getProperty("build.version", UNKNOWN), revision, java);
  }

  /** The line {@code qmp-sentinel --version} prints. */
  public String describe() {
    return "qmp-sentinel " + version + " (revision " + revision + ", Java " + java + ")";
  }

  private static Properties load(String resource) {
    Properties p = new Properties();
    try (InputStream in = BuildVersion.class.getClassLoader().getResourceAsStream(resource)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource + " from the agent's jar", e);
    }
    return p;
  }
}
