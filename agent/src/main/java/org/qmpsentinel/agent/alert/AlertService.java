package org.qmpsentinel.agent.alert;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.qmpsentinel.agent.config.SentinelProperties.Alerting;
import org.qmpsentinel.agent.config.SentinelProperties.Webhook;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spools every hang state change for every webhook and delivers each webhook's queue in order on
 * its own thread, so one receiver's outage never delays another's alerts (nor any polling).
 */
public final class AlertService implements SupervisorListener, MeterBinder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertService.class);

  private final Alerting config;
  private final String host;
  private final AlertSpool spool;
  private final ActiveHangs activeHangs = new ActiveHangs();
  private MeterRegistry meters = new SimpleMeterRegistry(); // until Boot binds the real one
  private final List<Delivery> deliveries = new ArrayList<>();

  public AlertService(Alerting config, String host) throws IOException {
    this.config = config;
    this.host = host;
    this.spool = new AlertSpool(config.spoolDir());
    for (Webhook w : config.webhooks()) {
      deliveries.add(new Delivery(w));
    }
  }

  /** Starts delivery, including whatever a previous run left in the spool. */
  public void start() {
    deliveries.forEach(Delivery::start);
  }

  /** The spool depth gauge and the delivery counters. */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Gauge.builder("qmp.sentinel.alert.spool.depth", spool, AlertSpool::depth)
        .description("alert notifications waiting in the spool")
        .register(registry);
    meters = registry;
  }

  private synchronized void countDelivery(String webhook, String outcome) {
    Counter.builder("qmp.sentinel.alert.deliveries")
        .description("alert delivery attempts by outcome (delivered, retry, failed)")
        .tags("webhook", webhook, "outcome", outcome)
        .register(meters)
        .increment();
  }

  @Override
  public void onHangEvent(VmSnapshot vm, HangEvent event) {
    activeHangs.record(event);
    for (Delivery d : deliveries) {
      d.enqueue(event);
    }
  }

  public long spoolDepth() {
    return spool.depth();
  }

  @Override
  public void close() {
    deliveries.forEach(d -> d.executor.shutdownNow());
  }

  /** One webhook's queue and its single delivery thread. */
  private final class Delivery {
    final Webhook webhook;
    final WebhookClient client;
    final ScheduledExecutorService executor;
    int failures;
    boolean scheduled;

    Delivery(Webhook webhook) {
      this.webhook = webhook;
      this.client = new WebhookClient(webhook);
      this.executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "alert-" + webhook.name());
                t.setDaemon(true);
                return t;
              });
    }

    void start() {
      wake(0);
      if (webhook.mode() == WebhookMode.ALERTMANAGER) {
        long every = config.alertmanagerResend().toMillis();
        executor.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
      }
    }

    void enqueue(HangEvent event) {
      String body =
          webhook.mode() == WebhookMode.ALERTMANAGER
              ? AlertFormats.alertmanager(event, host, Instant.now())
              : AlertFormats.generic(event, host);
      try {
        if (!spool.enqueue(webhook.name(), AlertFormats.key(event), body)) {
          log.debug("duplicate notification for {} suppressed", AlertFormats.key(event));
          return;
        }
      } catch (IOException e) {
        // Without a spool we would lose the alert on a crash; sending is still better than nothing.
        log.error("cannot spool alert for {}: {}", webhook.name(), e.toString());
        return;
      }
      wake(0);
    }

    synchronized void wake(long delayMillis) {
      if (scheduled && delayMillis > 0) {
        return;
      }
      scheduled = true;
      executor.schedule(this::drain, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void drain() {
      synchronized (this) {
        scheduled = false;
      }
      try {
        for (AlertSpool.Entry entry : spool.pending(webhook.name())) {
          int status;
          try {
            status = client.post(entry.body());
          } catch (IOException e) {
            status = -1;
          }
          if (status >= 200 && status < 300) {
            spool.delivered(entry);
            failures = 0;
            countDelivery(webhook.name(), "delivered");
            continue;
          }
          countDelivery(webhook.name(), "retry");
          long delay = backoffMillis(failures++);
          if (failures == 1 || failures % 10 == 0) {
            log.warn(
                "webhook {} answered {}; retrying in {} ms ({} pending)",
                webhook.name(),
                status < 0 ? "nothing" : status,
                delay,
                spool.depth());
          }
          wake(delay);
          return; // keep order: the head of the queue goes first
        }
      } catch (IOException e) {
        log.error("alert spool unreadable: {}", e.toString());
        wake(backoffMillis(failures++));
      }
    }

    private long backoffMillis(int attempt) {
      double cap =
          Math.min(
              config.retryMax().toMillis(),
              config.retryInitial().toMillis() * Math.pow(2, Math.min(attempt, 20)));
      return (long) (cap / 2 + ThreadLocalRandom.current().nextDouble() * cap / 2);
    }

    private void refresh() {
      List<HangEvent> active = activeHangs.current();
      if (active.isEmpty()) {
        return;
      }
      try {
        client.post(AlertFormats.alertmanagerRefresh(active, host));
      } catch (IOException e) {
        log.debug("alertmanager refresh failed: {}", e.toString());
      }
    }
  }
}
