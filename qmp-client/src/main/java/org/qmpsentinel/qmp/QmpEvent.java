package org.qmpsentinel.qmp;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * An asynchronous QMP event such as {@code RESET}, {@code STOP} or {@code SHUTDOWN}.
 *
 * @param data the event's {@code data} member, an empty object node when absent
 * @param timestamp QEMU's own timestamp of the event (wall clock, microsecond resolution)
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {}
