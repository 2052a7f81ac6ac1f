package org.qmpsentinel.agent.alert;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties.Alerting;
import org.qmpsentinel.agent.config.SentinelProperties.Webhook;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.qmp.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Turns every hang state change into one notification per webhook, spools it and hands it to that
 * webhook's delivery loop, so one receiver's outage never delays another's alerts (nor any
 * polling). Keeps the active hangs (persisted in the spool) for Alertmanager's re-posts and for
 * resolving, after a restart, the hangs that ended while the agent was down.
 */
public final class AlertService implements SupervisorListener, MeterBinder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertService.class);

  /** How often delivered-markers are pruned (also once at start). */
  private static final long PRUNE_HOURS = 6;

  private final Alerting config;
  private final AlertSite site;
  private final AlertSpool spool;
  private final AlertMeters meters = new AlertMeters();
  private final SpoolHealth health;
  private final ActiveHangs activeHangs;
  private final RestartReconciler reconciler;
  private final List<WebhookDelivery> deliveries = new ArrayList<>();
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "alert-housekeeping");
            t.setDaemon(true);
            return t;
          });

  public AlertService(Alerting config, AlertSite site) {
    this.config = config;
    this.site = site;
    this.spool = new AlertSpool(config.spoolDir());
    this.health = new SpoolHealth(config.spoolDir(), meters, spool::probe, this::unspooled);
    this.activeHangs = new ActiveHangs(this::persist);
    this.reconciler = new RestartReconciler(activeHangs, this::emit);
    RetryBackoff backoff =
        new RetryBackoff(
            new Backoff(config.retryInitial(), config.retryMax(), 2.0),
            RandomGenerator.getDefault());
    for (Webhook w : config.webhooks()) {
      meters.declareWebhook(w.name());
      deliveries.add(new WebhookDelivery(w, new WebhookClient(w), spool, health, meters, backoff));
    }
  }

  /**
   * Opens the spool, reloads the hangs a previous run left active and what it left to deliver, and
   * starts delivery. A spool that cannot be opened does not stop the agent: alerts go from memory
   * and health says so.
   */
  public void start() {
    try {
      spool.open();
    } catch (IOException e) {
      health.failed("open", e);
    }
    reloadActiveHangs();
    housekeeping.scheduleWithFixedDelay(this::prune, 0, PRUNE_HOURS, TimeUnit.HOURS);
    housekeeping.schedule(
        reconciler::resolveUnseen, config.resolveUnseenAfter().toMillis(), TimeUnit.MILLISECONDS);
    for (WebhookDelivery d : deliveries) {
      d.start();
    }
    long every = config.alertmanagerResend().toMillis();
    for (int i = 0; i < deliveries.size(); i++) {
      if (config.webhooks().get(i).mode() == WebhookMode.ALERTMANAGER) {
        deliveries.get(i).refreshEvery(every, this::refreshBody);
      }
    }
  }

  /** The {@code alerting} health component: DOWN while the spool cannot be written. */
  public HealthIndicator healthIndicator() {
    return health;
  }

  /** The spool depth gauge and the delivery, dead-letter and spool-failure counters. */
  @Override
  public void bindTo(MeterRegistry registry) {
    meters.bindTo(registry, this::spoolDepth);
  }

  @Override
  public void onHangEvent(@Nullable VmSnapshot vm, HangEvent event) {
    emit(event);
  }

  @Override
  public void onSnapshot(VmSnapshot snapshot) {
    reconciler.observe(snapshot);
  }

  @Override
  public void onConnectionChange(VmSnapshot vm, boolean connected) {
    reconciler.observe(vm);
  }

  /**
   * For a caller that knows a VM's active hangs right now: resolves the hangs reloaded at start
   * that {@code activeNow} lacks (see {@link RestartReconciler}).
   */
  public void reconcile(String vmId, List<HangEvent> activeNow) {
    reconciler.reconcile(vmId, activeNow);
  }

  /** Notifications waiting for delivery, over all webhooks. */
  public long spoolDepth() {
    return deliveries.stream().mapToLong(WebhookDelivery::depth).sum();
  }

  @Override
  public void close() {
    housekeeping.shutdownNow();
    deliveries.forEach(WebhookDelivery::close);
  }

  /** Spooled (per webhook) before the state file changes: a crash in between re-sends, deduped. */
  private void emit(HangEvent event) {
    Instant now = Instant.now();
    for (int i = 0; i < deliveries.size(); i++) {
      Webhook webhook = config.webhooks().get(i);
      String body =
          webhook.mode() == WebhookMode.ALERTMANAGER
              ? AlertFormats.alertmanager(event, site, now)
              : AlertFormats.webhook(event, site, webhook.name(), now);
      deliveries.get(i).offer(AlertFormats.key(event), body);
    }
    activeHangs.record(event);
  }

  private @Nullable String refreshBody() {
    List<HangEvent> active = activeHangs.current();
    return active.isEmpty() ? null : AlertFormats.alertmanagerRefresh(active, site);
  }

  private void persist(List<HangEvent> active) {
    try {
      spool.writeState(HangStateCodec.encode(active));
      health.succeeded();
    } catch (IOException e) {
      health.failed("state", e);
    }
  }

  private void reloadActiveHangs() {
    try {
      String saved = spool.readState();
      if (saved != null) {
        List<HangEvent> hangs = HangStateCodec.decode(saved);
        activeHangs.reload(hangs);
        if (!hangs.isEmpty()) {
          log.info(
              "{} hang(s) were active when the agent stopped; each is resolved once its VM is"
                  + " seen STEADY without it, or not seen within {}",
              hangs.size(),
              config.resolveUnseenAfter());
        }
      }
    } catch (IOException e) {
      health.failed("read", e);
    } catch (RuntimeException e) {
      // A corrupt state file costs the RESOLVED of hangs that ended while we were down, not more.
      log.error("cannot reload the active hangs from {}: {}", config.spoolDir(), e.toString());
    }
    reconciler.reloaded();
  }

  private void prune() {
    try {
      int n = spool.pruneDelivered(Instant.now());
      if (n > 0) {
        log.debug("pruned {} delivered-markers", n);
      }
    } catch (IOException e) {
      log.debug("pruning delivered-markers failed: {}", e.toString());
    }
  }

  private int unspooled() {
    return deliveries.stream().mapToInt(WebhookDelivery::unspooled).sum();
  }
}
