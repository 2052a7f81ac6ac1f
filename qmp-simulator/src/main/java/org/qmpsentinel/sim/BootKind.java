package org.qmpsentinel.sim;

/** How a boot (VM start or RESET) goes. */
enum BootKind {
  /** The BSP spins in the firmware while it wakes the APs, which then run and halt like the BSP. */
  NORMAL,
  /** The APs never leave the reset vector (their INIT was lost); the BSP spins forever. */
  STUCK
}
