package org.qmpsentinel.sim;

/**
 * {@code info registers} texts captured under -S (every vCPU at the reset vector: EIP=0000fff0
 * CS=f000 base ffff0000, HLT=0 as KVM reports a wait-for-SIPI AP) and from a running SeaBIOS boot
 * (the BSP busy, an AP halted), with the {@code CPU#n} header made the asked vCPU's.
 */
final class RegisterDumps {
  private final String resetVector;
  private final String runningBsp;
  private final String runningAp;

  RegisterDumps(Captures c) {
    resetVector = text(c, "info-registers-cpu1-reset-vector", 1);
    runningBsp = text(c, "info-registers-cpu0-running", 0);
    runningAp = text(c, "info-registers-cpu1-running", 1);
  }

  private static String text(Captures c, String exchange, int cpu) {
    String text = c.tree(exchange).get("return").stringValue();
    String header = "CPU#" + cpu + "\r\n";
    if (!text.contains(header)) {
      throw new IllegalStateException("capture " + exchange + " lacks the header " + header);
    }
    return text.replace(header, "CPU#%d\r\n");
  }

  String dump(int cpu, boolean atResetVector) {
    String format = atResetVector ? resetVector : cpu == 0 ? runningBsp : runningAp;
    return String.format(format, cpu);
  }
}
