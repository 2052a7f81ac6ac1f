package org.qmpsentinel.hang;

import java.util.OptionalInt;

/**
 * A classified command.
 *
 * @param vcpu for {@link IntrusionLevel#SYNCS_ONE_VCPU}: the vCPU it synchronizes (the {@code
 *     cpu-index} argument, else the monitor's current CPU, 0 by default)
 * @param why which QEMU code path makes it so, for humans
 */
public record Intrusion(String command, IntrusionLevel level, OptionalInt vcpu, String why) {}
