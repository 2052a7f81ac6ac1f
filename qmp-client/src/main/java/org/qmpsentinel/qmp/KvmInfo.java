package org.qmpsentinel.qmp;

/** Reply of {@code query-kvm}: KVM compiled in ({@code present}) and in use ({@code enabled}). */
public record KvmInfo(boolean enabled, boolean present) {}
