package org.qmpsentinel.agent.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.supervisor.RegisterSettings;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.qmp.Backoff;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code sentinel.*}. Defaults are the values an operator gets with an empty
 * configuration; README.md lists them.
 *
 * @param host the {@code host} label on alerts (default: this machine's hostname); no control
 *     characters; must equal the {@code host} label Prometheus' scrape configuration gives this
 *     agent (see README, Alerts)
 * @param externalUrl the agent's URL as readers of its alerts reach it (an alert's generatorURL is
 *     {@code <external-url>/api/v1/vms/<id>}); default {@code http://<server.address>:<port>}
 */
@Validated
@ConfigurationProperties("sentinel")
public record SentinelProperties(
    @Nullable @Pattern(regexp = "\\P{Cntrl}*", message = "must not contain control characters")
        String host,
    @Nullable URI externalUrl,
    @Valid @NotNull @DefaultValue Discovery discovery,
    @Valid @NotNull @DefaultValue Poll poll,
    @Valid @NotNull @DefaultValue Detector detector,
    @Valid @NotNull @DefaultValue Registers registers,
    @Valid @NotNull @DefaultValue Alerting alerting,
    @Valid @NotNull @DefaultValue Api api,
    @Valid @NotNull @DefaultValue Remediation remediation,
    @Valid @NotNull @DefaultValue Proxy proxy) {

  public SentinelProperties {
    // A relative URL would make every generatorURL a relative link, useless where alerts are read.
    if (externalUrl != null
        && (!externalUrl.isAbsolute() || !externalUrl.getScheme().startsWith("http"))) {
      throw new IllegalArgumentException(
          "sentinel.external-url must be an absolute http(s) URL, was " + externalUrl);
    }
  }

  /**
   * How every supervisor polls and detects, from {@code sentinel.poll.*} and {@code
   * sentinel.detector.*}: the one place properties become settings, also for test harnesses that
   * run the agent's code with exactly what an operator's configuration gives it.
   */
  public SupervisorSettings toSupervisorSettings() {
    return new SupervisorSettings(
        poll.interval(),
        poll.steadyInterval(),
        poll.jitter(),
        poll.commandTimeout(),
        poll.cpusRefresh(),
        poll.kvmStats(),
        Backoff.defaults(),
        new DetectorSettings(
            detector.startupSettle(),
            detector.syncMinInterval(),
            detector.kickMinInterval(),
            detector.suspectAfter(),
            detector.confirmAfter(),
            detector.fixedQemu(),
            detector.monitorTimeoutsToSuspect(),
            detector.baselineGrace(),
            detector.firmwareStallAfter()),
        new RegisterSettings(registers.enabled(), registers.interval(), registers.vcpus()),
        proxy.enabled() && proxy.oob());
  }

  /**
   * Where VMs come from.
   *
   * @param endpoints explicit QMP endpoints ({@code unix:/path}, {@code /path} or {@code
   *     host:port})
   * @param socketGlob a glob of QMP sockets watched for appearing and vanishing sockets: an
   *     absolute DIRECTORY/PATTERN whose directory has no wildcards; empty disables it. A missing
   *     directory is logged once and looked for again every scan
   * @param procScan scan /proc for qemu-system processes with a unix QMP socket on the command line
   * @param interval how often every source is re-scanned (at least 100ms)
   * @param socketOwners who may own a socket that the socket directory or the /proc scan reports:
   *     user names, numeric uids, or {@code group:NAME} / {@code group:GID} for the socket's group.
   *     The agent's own user is always allowed; a name that does not exist on this host matches
   *     nothing. The /proc scan also requires the declaring process to run as the socket's owner
   */
  public record Discovery(
      @Valid @DefaultValue List<Endpoint> endpoints,
      @SocketGlob @DefaultValue("/run/qmp-sentinel/*.qmp") String socketGlob,
      @DefaultValue("true") boolean procScan,
      // A scan lists a directory and /proc: more often than 10 times a second only burns CPU.
      @NotNull @DurationMin(millis = 100) @DefaultValue("1s") Duration interval,
      @NotNull @DefaultValue({"root", "libvirt-qemu", "qemu"})
          List<@Pattern(regexp = SOCKET_OWNER, message = SOCKET_OWNER_SYNTAX) String>
              socketOwners) {}

  /** The labels that identify an alert; set by the agent, never by {@code alerting.labels}. */
  static final List<String> RESERVED_LABELS =
      List.of("alertname", "host", "vm", "kind", "severity");

  /** A user name or uid, or {@code group:} and a group name or gid (useradd's NAME_REGEX). */
  static final String SOCKET_OWNER = "(group:)?[A-Za-z0-9_][A-Za-z0-9_.-]*[$]?";

  static final String SOCKET_OWNER_SYNTAX = "must be a user name, a uid, group:NAME or group:GID";

  /** A statically configured VM. */
  public record Endpoint(@NotBlank String name, @NotBlank @QmpEndpointSyntax String endpoint) {}

  /**
   * Polling of each VM (only non-intrusive commands).
   *
   * @param interval time between polls of one VM while it starts (STARTUP: fast, with KVM counters,
   *     because that is when the lost-INIT hang happens)
   * @param steadyInterval time between polls of one VM once it is STEADY (run state and monitor
   *     liveness; lifecycle comes from events). An unresponsive monitor is reported after {@code
   *     monitor-timeouts-to-suspect} polls that time out, i.e. within about 3 × this interval
   * @param jitter random spread of the interval, as a fraction (0.1 = ±10%)
   * @param commandTimeout per-command timeout
   * @param cpusRefresh re-read query-cpus-fast this often (also on connect and RESET); 0 re-reads
   *     it on every poll
   * @param kvmStats use query-stats vcpu/kvm counters when QEMU supports them
   */
  public record Poll(
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("1s") Duration interval,
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("10s")
          Duration steadyInterval,
      @DecimalMin("0.0") @DecimalMax("0.5") @DefaultValue("0.1") double jitter,
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("2s")
          Duration commandTimeout,
      @NotNull @DurationMin(nanos = 0) @DefaultValue("30s") Duration cpusRefresh,
      @DefaultValue("true") boolean kvmStats) {}

  /**
   * Detection and intrusion policy (see hang-detector's DetectorSettings). Zero is allowed where it
   * means "no wait" or "no limit"; the two thresholds of a hang must be positive, since zero would
   * suspect and confirm a hang without evidence over time.
   *
   * @param startupSettle STARTUP lasts this much longer after every vCPU of the boot was seen
   *     running (covers the guest OS's own AP bring-up); 0 ends STARTUP as soon as every vCPU ran
   * @param syncMinInterval minimum time between vCPU-synchronizing commands of one VM in STEADY; 0
   *     is no limit
   * @param kickMinInterval minimum time between vCPU-kicking commands (query-stats) of one VM; a
   *     boot's baseline read after a RESET is always admitted; 0 is no limit
   * @param suspectAfter running time with the stuck-AP signature before SUSPECTED (positive)
   * @param confirmAfter further time before CONFIRMED when registers cannot confirm it sooner
   *     (positive)
   * @param monitorTimeoutsToSuspect consecutive command timeouts (while the QEMU process lives)
   *     before MONITOR_UNRESPONSIVE is suspected; twice as many confirm it
   * @param baselineGrace a boot's baseline read within this time after the RESET is graded TIMELY,
   *     later LATE (reported; APs are judged on per-AP evidence either way, see hang-detector)
   * @param fixedQemu version prefixes or package-string substrings of QEMU builds carrying the
   *     kvm_put_vcpu_events fix (an empty entry would match every build, so it is refused)
   * @param firmwareStallAfter running time since a boot began, without the boot CPU ever halting,
   *     before BOOT_STALLED_IN_FIRMWARE may be suspected (raised to 5× the VM's longest earlier
   *     boot; positive)
   */
  public record Detector(
      @NotNull @DurationMin(nanos = 0) @DefaultValue("60s") Duration startupSettle,
      @NotNull @DurationMin(nanos = 0) @DefaultValue("10s") Duration syncMinInterval,
      @NotNull @DurationMin(nanos = 0) @DefaultValue("500ms") Duration kickMinInterval,
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("5s") Duration suspectAfter,
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("10s")
          Duration confirmAfter,
      @DefaultValue List<@NotBlank String> fixedQemu,
      @Min(1) @DefaultValue("3") int monitorTimeoutsToSuspect,
      @NotNull @DurationMin(nanos = 0) @DefaultValue("250ms") Duration baselineGrace,
      @NotNull @DurationMin(nanos = 0, inclusive = false) @DefaultValue("120s")
          Duration firmwareStallAfter) {}

  /**
   * The register sampler: per VM, one vCPU's {@code info registers} at a time, each read admitted
   * by the intrusion policy (in STARTUP only the BSP; in STEADY one at a time, at most one per
   * {@code sentinel.detector.sync-min-interval}; never while the VM is paused).
   *
   * @param enabled sample registers (on by default; its cost is in docs/performance.md)
   * @param interval time between two samples of one VM, each of one vCPU (at least 100ms)
   * @param vcpus the cpu-indexes to sample; empty: every vCPU
   */
  public record Registers(
      @DefaultValue("true") boolean enabled,
      @NotNull @DurationMin(millis = 100) @DefaultValue("10s") Duration interval,
      @NotNull @DefaultValue List<@NotNull @Min(0) Integer> vcpus) {}

  /**
   * Alert delivery.
   *
   * @param webhooks the receivers; every hang state change goes to each of them
   * @param spoolDir notifications are written (fsync) here before sending and removed after a 2xx;
   *     rejected ones (4xx) go to {@code dead/}, the active hangs to {@code active-hangs.json}
   * @param retryInitial the shortest delay between two attempts at one webhook (its first retry);
   *     doubles (with jitter) up to {@code retryMax}; must be positive
   * @param retryMax the longest delay between two attempts at one webhook; at least {@code
   *     retryInitial}
   * @param alertmanagerResend re-post active alerts to Alertmanager this often so they stay active
   * @param resolveUnseenAfter after a restart, a hang reloaded from the spool whose VM is not seen
   *     within this time is resolved (the VM went away while the agent was down)
   * @param runbookBaseUrl absolute URL of the runbooks (docs/runbooks.md wherever you publish it);
   *     every alert's {@code runbook_url} is this plus {@code #<alertname in lower case>}
   * @param labels further labels on every alert the agent sends, e.g. your Prometheus' {@code
   *     external_labels}, so its alerts and the rules' stay one alert in Alertmanager; may not set
   *     alertname, host, vm, kind or severity
   */
  public record Alerting(
      @Valid @DefaultValue List<Webhook> webhooks,
      @NotNull @AbsolutePath @DefaultValue("/var/lib/qmp-sentinel/spool") Path spoolDir,
      @NotNull @DefaultValue("1s") Duration retryInitial,
      @NotNull @DefaultValue("5m") Duration retryMax,
      @NotNull @DefaultValue("60s") Duration alertmanagerResend,
      @NotNull @DefaultValue("10m") Duration resolveUnseenAfter,
      @NotNull @DefaultValue(DEFAULT_RUNBOOK_BASE_URL) URI runbookBaseUrl,
      @NotNull @DefaultValue Map<String, String> labels) {
    /** Where the package installs docs/runbooks.md; the shipped rules use the same base. */
    public static final String DEFAULT_RUNBOOK_BASE_URL =
        "file:///usr/share/doc/qmp-sentinel/runbooks.md";

    public Alerting {
      requirePositive(retryInitial, "sentinel.alerting.retry-initial");
      requirePositive(retryMax, "sentinel.alerting.retry-max");
      // A ceiling below the floor made every retry immediate: 24,586 POSTs in 10 s with 0s.
      if (retryInitial != null && retryMax != null && retryMax.compareTo(retryInitial) < 0) {
        throw new IllegalArgumentException(
            "sentinel.alerting.retry-max must be at least sentinel.alerting.retry-initial ("
                + retryInitial
                + "), was "
                + retryMax);
      }
      requirePositive(alertmanagerResend, "sentinel.alerting.alertmanager-resend");
      requirePositive(resolveUnseenAfter, "sentinel.alerting.resolve-unseen-after");
      if (runbookBaseUrl != null && !runbookBaseUrl.isAbsolute()) {
        throw new IllegalArgumentException(
            "sentinel.alerting.runbook-base-url must be an absolute URL (with a scheme), was "
                + runbookBaseUrl);
      }
      if (labels != null) {
        for (String name : labels.keySet()) {
          if (!name.matches("[a-zA-Z_][a-zA-Z0-9_]*") || RESERVED_LABELS.contains(name)) {
            throw new IllegalArgumentException(
                "sentinel.alerting.labels."
                    + name
                    + ": not a label the agent may add (a Prometheus label name other than "
                    + String.join(", ", RESERVED_LABELS)
                    + ")");
          }
        }
        labels = Map.copyOf(labels);
      }
    }
  }

  /**
   * One alert receiver.
   *
   * @param name the receiver's name in logs and metrics
   * @param url http or https (HTTP/1.1, one connection per notification, no proxy); for {@code
   *     alertmanager} mode, Alertmanager's base URL ({@code /api/v2/alerts} is appended)
   * @param bearerToken optional {@code Authorization: Bearer} token
   * @param username optional basic-auth user (with {@code password})
   * @param password basic-auth password
   * @param mode {@code GENERIC} (the agent's JSON) or {@code ALERTMANAGER}
   * @param timeout per request (connect, send and answer), positive; a late answer is retried
   */
  public record Webhook(
      @NotBlank String name,
      @NotNull URI url,
      @NotNull @DefaultValue("GENERIC") WebhookMode mode,
      @Nullable String bearerToken,
      @Nullable String username,
      @Nullable String password,
      @NotNull @DefaultValue("5s") Duration timeout) {
    public Webhook {
      if (url != null && url.getScheme() != null && !url.getScheme().startsWith("http")) {
        throw new IllegalArgumentException(
            "sentinel.alerting.webhooks[].url must be http(s): " + url);
      }
      requirePositive(timeout, "sentinel.alerting.webhooks[].timeout");
    }
  }

  /** GENERIC: our JSON; ALERTMANAGER: Alertmanager's /api/v2/alerts. */
  public enum WebhookMode {
    GENERIC,
    ALERTMANAGER
  }

  /** The HTTP API. */
  public record Api(@Valid @NotNull @DefaultValue Hmp hmp) {}

  /**
   * {@code POST /api/v1/vms/{id}/hmp}: off by default; needs a bearer token when on.
   *
   * @param enabled serve the endpoint (off by default)
   * @param token required {@code Authorization: Bearer} token (or use {@code token-file})
   * @param tokenFile absolute path of a file holding the token (read once at start-up, trailing
   *     newline ignored); it must not be readable or writable by others, nor writable by its group.
   *     Preferred over {@code token}, which shows in the process's arguments or environment
   */
  public record Hmp(
      @DefaultValue("false") boolean enabled,
      @Nullable String token,
      @Nullable @AbsolutePath Path tokenFile) {
    public Hmp {
      if (token != null && !token.isEmpty() && tokenFile != null) {
        throw new IllegalArgumentException(
            "sentinel.api.hmp.token-file: set sentinel.api.hmp.token or"
                + " sentinel.api.hmp.token-file, not both");
      }
      if (tokenFile != null) {
        token = TokenFile.read(tokenFile, "sentinel.api.hmp.token-file");
      }
      if (enabled && (token == null || token.isBlank())) {
        throw new IllegalArgumentException(
            "sentinel.api.hmp.token must be set when sentinel.api.hmp.enabled=true"
                + " (or sentinel.api.hmp.token-file)");
      }
    }
  }

  /**
   * Automatic system_reset of VMs with a CONFIRMED AP_STUCK_IN_RESET (off by default).
   *
   * @param enabled reset VMs whose AP_STUCK_IN_RESET is CONFIRMED (off by default)
   * @param maxResetsPerHour at most this many resets per VM and hour
   */
  public record Remediation(
      @DefaultValue("false") boolean enabled, @Min(1) @DefaultValue("1") int maxResetsPerHour) {}

  /** A group name or gid (useradd's NAME_REGEX). */
  static final String GROUP_NAME = "[A-Za-z0-9_][A-Za-z0-9_.-]*[$]?";

  /** What the proxy does with a command the intrusion policy refuses now. */
  public enum ProxyMode {
    /** Answer at once with a GenericError that says why and when it will be allowed. */
    DENY,
    /** Hold it until the policy allows it (the VM is STEADY), at most {@code defer-timeout}. */
    DEFER
  }

  /**
   * The QMP safety proxy: one unix socket per connected VM that other tools use instead of QEMU's
   * own monitor; every command passes the intrusion policy first.
   *
   * @param enabled serve the proxy sockets (off by default)
   * @param path where each VM's socket is made: an absolute path containing {@code {vm}}, which
   *     becomes the VM's name (characters other than letters, digits, {@code . _ -} become {@code
   *     _})
   * @param group the group that owns each socket (mode 0660); empty: the agent's own group
   * @param mode what a refused command gets: {@code deny} (an error now) or {@code defer} (held
   *     until allowed)
   * @param vmModes per VM name, a mode other than {@code mode}
   * @param deferTimeout how long a deferred command is held before it is denied
   * @param denyCommands QMP commands (also as HMP lines' first word) never forwarded, e.g. {@code
   *     quit}, {@code system_reset}, {@code device_add}; empty: every command the policy allows
   * @param maxClients clients per VM at once; more are refused
   * @param maxInFlight commands one client may have unanswered; the proxy stops reading a client at
   *     this many
   * @param eventBuffer events queued for one client; a client that falls this far behind is
   *     disconnected
   * @param commandTimeout how long a forwarded command may wait for QEMU's reply
   * @param oob negotiate out-of-band execution on the agent's own session so that clients may use
   *     {@code exec-oob}; off by default (see docs/fixture.md: on stock QEMU 7.2 boots hung with it
   *     on), and then the greeting clients get does not offer {@code oob}
   */
  public record Proxy(
      @DefaultValue("false") boolean enabled,
      @NotBlank
          @Pattern(
              regexp = "/.*\\{vm\\}.*",
              message = "must be an absolute path containing \\{vm\\}")
          @DefaultValue("/run/qmp-sentinel/proxy/{vm}.qmp")
          String path,
      @Nullable @Pattern(regexp = GROUP_NAME, message = "must be a group name or gid") String group,
      @NotNull @DefaultValue("deny") ProxyMode mode,
      @NotNull @DefaultValue Map<String, ProxyMode> vmModes,
      @NotNull @DurationMin(millis = 1) @DefaultValue("30s") Duration deferTimeout,
      @NotNull @DefaultValue List<@NotBlank String> denyCommands,
      @Min(1) @DefaultValue("16") int maxClients,
      @Min(1) @DefaultValue("16") int maxInFlight,
      @Min(1) @DefaultValue("1024") int eventBuffer,
      @NotNull @DurationMin(millis = 1) @DefaultValue("60s") Duration commandTimeout,
      @DefaultValue("false") boolean oob) {

    /** The mode for the VM named {@code vm}. */
    public ProxyMode modeFor(String vm) {
      return vmModes.getOrDefault(vm, mode);
    }
  }

  private static void requirePositive(Duration d, String property) {
    if (d != null && (d.isZero() || d.isNegative())) {
      throw new IllegalArgumentException(property + " must be positive, was " + d);
    }
  }
}
