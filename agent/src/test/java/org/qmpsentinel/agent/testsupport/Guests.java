package org.qmpsentinel.agent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the repository's guest firmware (deploy/guests) with nasm into target/, once. */
public final class Guests {
  private Guests() {}

  public static Path stuckBspRom() throws IOException {
    return rom("stuck-bsp");
  }

  /** OVMF's WaitApWakeup end state: APs woken and halted, the BSP spinning on a flag. */
  public static Path ovmfStallRom() throws IOException {
    return rom("ovmf-stall");
  }

  private static synchronized Path rom(String name) throws IOException {
    Path repo = Path.of(System.getProperty("qmpsentinel.repo", ".."));
    Path source = repo.resolve("deploy/guests/" + name + ".asm");
    Path rom = Path.of("target/test-guests/" + name + ".rom").toAbsolutePath();
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
