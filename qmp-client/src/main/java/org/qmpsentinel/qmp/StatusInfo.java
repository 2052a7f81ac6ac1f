package org.qmpsentinel.qmp;

/** Reply of {@code query-status}. {@code rawStatus} keeps QEMU's text for states we don't know. */
public record StatusInfo(boolean running, RunState status, String rawStatus) {}
