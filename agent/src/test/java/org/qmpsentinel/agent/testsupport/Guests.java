package org.qmpsentinel.agent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the repository's guest firmware (deploy/guests) with nasm into target/, once. */
public final class Guests {
  private Guests() {}

  public static synchronized Path stuckBspRom() throws IOException {
    Path repo = Path.of(System.getProperty("qmpsentinel.repo", ".."));
    Path source = repo.resolve("deploy/guests/stuck-bsp.asm");
    Path rom = Path.of("target/test-guests/stuck-bsp.rom").toAbsolutePath();
    if (Files.exists(rom)
        && Files.getLastModifiedTime(rom).compareTo(Files.getLastModifiedTime(source)) >= 0) {
      return rom;
    }
    Files.createDirectories(rom.getParent());
    try {
      Process nasm =
          new ProcessBuilder("nasm", "-f", "bin", "-o", rom.toString(), source.toString())
              .inheritIO()
              .start();
      if (nasm.waitFor() != 0) {
        throw new IOException("nasm failed on " + source);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return rom;
  }
}
