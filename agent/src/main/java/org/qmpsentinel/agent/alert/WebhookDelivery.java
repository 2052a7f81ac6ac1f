package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties.Webhook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One webhook's queue and its one delivery loop. The queue is in memory — the spool is its durable
 * copy, read once at start — so a spool that cannot be written delays nothing and an acknowledged
 * notification is never sent again because its delivered-marker could not be written. The loop
 * sends the head; on a transient failure (no answer, 408, 429, 5xx) the whole queue waits one
 * backoff delay, so a receiver's outage costs one retry chain, not one per queued alert. A 4xx
 * rejection is final for that notification alone: it goes to {@code dead/} and the rest follows in
 * order.
 */
final class WebhookDelivery {
  private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);

  /** Keys acknowledged in this run, remembered beyond the on-disk markers (which may fail). */
  private static final int REMEMBERED = 10_000;

  /** One notification; {@code file} is null when the spool could not store it. */
  record Notification(String hash, String label, String body, @Nullable Path file) {}

  private final Webhook webhook;
  private final WebhookClient client;
  private final AlertSpool spool;
  private final SpoolHealth health;
  private final AlertMeters meters;
  private final RetryBackoff backoff;
  private final ScheduledExecutorService executor;
  private final Deque<Notification> queue = new ArrayDeque<>(); // guarded by this
  private final Set<String> queued = new HashSet<>(); // guarded by this
  private final Set<String> done =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > REMEMBERED;
            }
          }); // guarded by this
  private boolean looping; // guarded by this: the loop is running or its next attempt scheduled
  private int failures; // loop thread only
  private String lastError = ""; // loop thread only

  WebhookDelivery(
      Webhook webhook,
      WebhookClient client,
      AlertSpool spool,
      SpoolHealth health,
      AlertMeters meters,
      RetryBackoff backoff) {
    this.webhook = webhook;
    this.client = client;
    this.spool = spool;
    this.health = health;
    this.meters = meters;
    this.backoff = backoff;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "alert-" + webhook.name());
              t.setDaemon(true);
              return t;
            });
  }

  /** Queues what a previous run left in the spool and starts the loop. */
  void start() {
    try {
      for (AlertSpool.Pending p : spool.pending(webhook.name())) {
        synchronized (this) {
          if (queued.add(p.hash())) {
            queue.add(
                new Notification(p.hash(), p.file().getFileName().toString(), p.body(), p.file()));
          }
        }
      }
    } catch (IOException e) {
      health.failed("read", e);
    }
    wake();
  }

  /**
   * Queues a notification unless the same key is queued or was delivered; spools it first when the
   * spool can take it.
   */
  void offer(String key, String body) {
    String hash = AlertSpool.hash(webhook.name(), key);
    synchronized (this) {
      if (queued.contains(hash) || done.contains(hash) || spool.isDelivered(hash)) {
        log.debug("duplicate notification {} for {} suppressed", key, webhook.name());
        return;
      }
      Path file = null;
      try {
        file = spool.write(webhook.name(), hash, body);
        health.succeeded();
      } catch (IOException e) {
        health.failed("enqueue", e); // sent from memory all the same
      }
      queued.add(hash);
      queue.add(new Notification(hash, key, body, file));
    }
    wake();
  }

  synchronized int depth() {
    return queue.size();
  }

  synchronized int unspooled() {
    return (int) queue.stream().filter(n -> n.file() == null).count();
  }

  /**
   * Posts {@code body} (null: nothing to post) every {@code millis} on this webhook's thread —
   * Alertmanager's re-posts of active alerts — except while the loop is backing off.
   */
  void refreshEvery(long millis, Supplier<@Nullable String> body) {
    executor.scheduleWithFixedDelay(
        () -> {
          String b = body.get();
          if (failures > 0 || b == null) {
            return; // the retry loop paces a receiver that is down
          }
          try {
            client.post(b);
          } catch (IOException | RuntimeException e) {
            log.debug("alertmanager refresh of {} failed: {}", webhook.name(), e.toString());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  void close() {
    executor.shutdownNow();
  }

  private synchronized void wake() {
    if (!looping && !queue.isEmpty()) {
      try {
        executor.execute(this::loop);
        looping = true;
      } catch (RejectedExecutionException e) {
        // closed: what is queued stays in the spool for the next start
      }
    }
  }

  private void loop() {
    while (true) {
      Notification head;
      synchronized (this) {
        head = queue.peek();
        if (head == null) {
          looping = false;
          return;
        }
      }
      int status = attempt(head);
      if (status >= 200 && status < 300) {
        acknowledge(head);
      } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
        reject(head, status);
      } else {
        meters.increment(AlertMeters.DELIVERIES, "webhook", webhook.name(), "outcome", "retry");
        long delay = backoff.delay(++failures).toMillis();
        if (failures == 1) {
          log.warn(
              "webhook {} failed ({}); retrying every {}..{} ({} pending)",
              webhook.name(),
              status < 0 ? lastError : "HTTP " + status,
              backoff.backoff().initial(),
              backoff.backoff().max(),
              depth());
        }
        try {
          executor.schedule(this::loop, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          // closed while this attempt ran
        }
        return; // the head goes first: order per VM is the queue's order
      }
    }
  }

  private int attempt(Notification n) {
    try {
      return client.post(n.body());
    } catch (IOException | RuntimeException e) {
      lastError = e.toString();
      return -1;
    }
  }

  private void acknowledge(Notification n) {
    meters.increment(AlertMeters.DELIVERIES, "webhook", webhook.name(), "outcome", "delivered");
    if (failures > 0) {
      log.info(
          "webhook {} accepts notifications again after {} failed attempts",
          webhook.name(),
          failures);
      failures = 0;
    }
    synchronized (this) {
      done.add(n.hash()); // first in memory: a failing marker write must not cause a re-send
      queue.poll();
      queued.remove(n.hash());
    }
    try {
      spool.delivered(n.file(), n.hash());
    } catch (IOException e) {
      health.failed("delivered", e);
    }
  }

  private void reject(Notification n, int status) {
    meters.increment(AlertMeters.DELIVERIES, "webhook", webhook.name(), "outcome", "rejected");
    meters.increment(AlertMeters.DEAD_LETTERS, "webhook", webhook.name());
    synchronized (this) {
      done.add(n.hash()); // the same notification would be rejected again
      queue.poll();
      queued.remove(n.hash());
    }
    String where;
    try {
      where = spool.deadLetter(webhook.name(), n.file(), n.hash(), n.body()).toString();
    } catch (IOException e) {
      health.failed("dead-letter", e);
      where = "nowhere (spool failing): " + n.body();
    }
    log.error(
        "webhook {} rejected notification {} with HTTP {}; not retried, moved to {}",
        webhook.name(),
        n.label(),
        status,
        where);
  }
}
