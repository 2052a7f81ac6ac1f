package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor against peers that fail right after negotiating: the backoff keeps growing until a
 * connection stays up for {@code healthyAfter}; each loss is reported with its real cause.
 */
@SuppressWarnings("try") // the supervisors run for the body of their try blocks, unreferenced
class SupervisorBackoffTest {
  private final QmpClient client =
      QmpClient.create(QmpClientOptions.defaults().withConnectTimeout(Duration.ofMillis(300)));

  @AfterEach
  void close() {
    client.close();
  }

  /** Records the upper bound the supervisor asks the jitter for, and picks the floor (fast). */
  private static final class RecordingJitter implements Backoff.Jitter {
    final List<Long> bounds = new CopyOnWriteArrayList<>();

    @Override
    public long nextLong(long bound) {
      bounds.add(bound);
      return 0;
    }
  }

  /** Collects (state, cause) pairs. */
  private static final class Recorder implements QmpSupervisor.Listener {
    record Change(ConnectionState state, @Nullable Throwable cause) {}

    final List<Change> changes = new CopyOnWriteArrayList<>();

    @Override
    public void onStateChange(ConnectionState state, @Nullable Throwable cause) {
      changes.add(new Change(state, cause));
    }

    @Override
    public void onConnected(QmpConnection connection) {}

    List<Throwable> backOffCauses() {
      List<Throwable> causes = new ArrayList<>();
      for (Change c : changes) {
        if (c.state() == ConnectionState.BACKING_OFF && c.cause() != null) {
          causes.add(c.cause());
        }
      }
      return causes;
    }
  }

  private List<Long> boundsWhileFlapping(Duration healthyAfter) throws Exception {
    RecordingJitter jitter = new RecordingJitter();
    Backoff backoff =
        new Backoff(Duration.ofMillis(2), Duration.ofMillis(40), 2.0)
            .withHealthyAfter(healthyAfter)
            .withJitter(jitter);
    try (FakeQmpServer flapping =
            new FakeQmpServer(
                peer -> {
                  peer.handshake();
                  peer.close();
                });
        QmpSupervisor supervisor =
            client.supervise(
                flapping.endpoint(), client.defaultOptions(), backoff, new Recorder())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> jitter.bounds.size() >= 5);
      assertThat(flapping.connectionsAccepted()).isGreaterThanOrEqualTo(5);
    }
    return jitter.bounds.subList(0, 5);
  }

  @Test
  void aPeerFailingRightAfterNegotiationIsRetriedEverMoreSlowly() throws Exception {
    List<Long> bounds = boundsWhileFlapping(Duration.ofHours(1));
    assertThat(bounds).isSorted().doesNotHaveDuplicates();
    assertThat(bounds.get(4)).isGreaterThan(10 * bounds.get(0));
  }

  @Test
  void aConnectionThatStayedUpLongEnoughStartsAFreshSeries() throws Exception {
    List<Long> bounds = boundsWhileFlapping(Duration.ZERO);
    assertThat(bounds).containsOnly(bounds.get(0));
  }

  @Test
  void theListenerHearsTheRealCauseOfEachLoss() throws Exception {
    Recorder recorder = new Recorder();
    Backoff slow = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), 1);
    try (FakeQmpServer garbage =
            new FakeQmpServer(
                peer -> {
                  peer.handshake();
                  peer.sendLine("[1, 2]");
                });
        QmpSupervisor supervisor =
            client.supervise(garbage.endpoint(), client.defaultOptions(), slow, recorder)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.backOffCauses().isEmpty());
      assertThat(recorder.backOffCauses().get(0))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("expected a JSON object");
    }
  }

  @Test
  void aFailedAttemptIsReportedAsAConnectFailureWithItsReason() throws Exception {
    Recorder recorder = new Recorder();
    Backoff slow = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), 1);
    try (FakeQmpServer silent = new FakeQmpServer(peer -> {});
        QmpSupervisor supervisor =
            client.supervise(silent.endpoint(), client.defaultOptions(), slow, recorder)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.backOffCauses().isEmpty());
      assertThat(recorder.backOffCauses().get(0))
          .isInstanceOf(QmpConnectException.class)
          .hasCauseInstanceOf(QmpTimeoutException.class);
      assertThat(supervisor.state()).isEqualTo(ConnectionState.BACKING_OFF);
    }
  }
}
