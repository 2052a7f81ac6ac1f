package org.qmpsentinel.qmp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** The session state machine alone on an EmbeddedChannel: greeting to close. */
class SessionHandlerTest {
  private final SessionFixture qemu = new SessionFixture();
  private final Logger log = (Logger) LoggerFactory.getLogger(QmpSessionHandler.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Level level = log.getLevel();

  SessionHandlerTest() {
    logged.start();
    log.addAppender(logged);
    log.setLevel(Level.DEBUG);
  }

  @AfterEach
  void detachLog() {
    log.detachAppender(logged);
    log.setLevel(level);
  }

  private static Throwable cause(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("no failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theGreetingIsAnsweredWithQmpCapabilitiesThenTheSessionIsReady() {
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.AWAITING_GREETING);
    qemu.receive(SessionFixture.GREETING);
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.NEGOTIATING);
    JsonNode caps = qemu.sent();
    assertThat(caps.toString())
        .isEqualTo("{\"execute\":\"qmp_capabilities\",\"id\":\"qmp-capabilities\"}");
    assertThat(qemu.session.negotiated()).isNotDone();
    qemu.receive("{\"return\": {}, \"id\": \"qmp-capabilities\"}");
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.READY);
    assertThat(qemu.session.negotiated().join().version().minor()).isEqualTo(2);
    assertThat(qemu.session.negotiated().join().capabilities()).containsExactly("oob");
    assertThat(qemu.session.oobEnabled()).isFalse(); // offered, not requested
  }

  @Test
  void anEventBeforeTheGreetingIsAProtocolViolation() {
    qemu.receive("{\"event\": \"RESET\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}");
    assertThat(qemu.channel.isActive()).isFalse();
    assertThat(cause(qemu.session.negotiated()))
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("expected the QMP greeting");
    assertThat(qemu.events).isEmpty();
  }

  @Test
  void eventsDuringNegotiationAreDeliveredAndNegotiationCompletes() {
    qemu.receive(SessionFixture.GREETING);
    qemu.sent();
    qemu.receive(
        "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 7, \"microseconds\": 5}, \"data\": {}}");
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.NEGOTIATING);
    qemu.receive("{\"return\": {}, \"id\": \"qmp-capabilities\"}");
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.READY);
    assertThat(qemu.events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("STOP");
              assertThat(e.timestamp().getEpochSecond()).isEqualTo(7);
              assertThat(e.timestamp().getNano()).isEqualTo(5_000);
            });
  }

  @Test
  void aGreetingWithACapabilityThatIsNotAStringIsAProtocolViolation() {
    // Found by PeerStreamFuzzTest: Jackson's coercion error used to surface as "connection lost".
    qemu.receive(
        "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": [{\"a\": 1}]}}");
    assertThat(cause(qemu.session.negotiated()))
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("capability that is not a string");
    assertThat(qemu.channel.isActive()).isFalse();
  }

  @Test
  void aRefusedNegotiationFailsWithTheErrorReply() {
    qemu.receive(SessionFixture.GREETING);
    qemu.sent();
    qemu.receive(
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, \"id\": \"qmp-capabilities\"}");
    assertThat(cause(qemu.session.negotiated())).isInstanceOf(QmpErrorException.class);
    assertThat(qemu.channel.isActive()).isFalse();
  }

  @Test
  void repliesToUnknownIdsAreDroppedCountedLoggedOnceAtWarnAndTheSessionStaysReady() {
    qemu.ready();
    CompletableFuture<JsonNode> mine = qemu.send(1, "query-status", Duration.ofSeconds(5));
    qemu.receive("{\"return\": {}, \"id\": \"42\"}");
    qemu.receive("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": \"abc\"}");
    qemu.receive("{\"return\": {}, \"id\": \"-1\"}");
    assertThat(qemu.session.unknownReplies()).isEqualTo(3);
    assertThat(qemu.session.lateReplies()).isZero();
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.READY);
    assertThat(mine).isNotDone();
    qemu.receive("{\"return\": {\"running\": true}, \"id\": \"1\"}");
    assertThat(mine.join().path("running").asBoolean()).isTrue();
    assertThat(logged.list)
        .filteredOn(e -> e.getMessage().contains("unknown id"))
        .extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG);
  }

  @Test
  void aReplyWithoutIdIsAProtocolViolationThatFailsPendingCommands() {
    qemu.ready();
    CompletableFuture<JsonNode> mine = qemu.send(1, "query-status", Duration.ofSeconds(5));
    qemu.receive("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}");
    assertThat(qemu.channel.isActive()).isFalse();
    assertThat(cause(mine))
        .isInstanceOf(QmpConnectionClosedException.class)
        .hasMessageContaining("reply without our id");
    assertThat(qemu.session.closed().join()).isInstanceOf(QmpProtocolException.class);
  }

  @Test
  void closingFailsACommandInTheSocketAsSentOutcomeUnknown() {
    qemu.ready();
    CompletableFuture<JsonNode> inFlight = qemu.send(1, "stop", Duration.ofSeconds(5));
    assertThat(qemu.sent().path("execute").asString()).isEqualTo("stop");
    qemu.channel.close();
    Throwable lost = cause(inFlight);
    assertThat(lost).hasMessageContaining("stop (sent; outcome unknown)");
    assertThat(((QmpConnectionClosedException) lost).commandSent()).isTrue();
    assertThat(qemu.session.pendingCount()).isZero();
  }

  /** Swallows writes without completing them: the command never reaches the socket. */
  private static final class HoldWrites extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {}
  }

  /** Fails every write as a broken socket would. */
  private static final class FailWrites extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      promise.setFailure(new IOException("Broken pipe"));
    }
  }

  @Test
  void closingFailsACommandNotYetWrittenAsNeverSent() {
    qemu.ready();
    qemu.channel.pipeline().addFirst(new HoldWrites());
    CompletableFuture<JsonNode> queued = qemu.send(1, "stop", Duration.ofSeconds(5));
    qemu.channel.close();
    Throwable lost = cause(queued);
    assertThat(lost).hasMessageContaining("stop (never sent)");
    assertThat(((QmpConnectionClosedException) lost).commandSent()).isFalse();
  }

  @Test
  void aFailedWriteFailsTheCommandAsNeverSent() {
    qemu.ready();
    qemu.channel.pipeline().addFirst(new FailWrites());
    CompletableFuture<JsonNode> failed = qemu.send(1, "stop", Duration.ofSeconds(5));
    Throwable lost = cause(failed);
    assertThat(lost).hasMessageContaining("failed to send stop").hasRootCauseMessage("Broken pipe");
    assertThat(((QmpConnectionClosedException) lost).commandSent()).isFalse();
    assertThat(qemu.session.pendingCount()).isZero();
  }

  @Test
  void aCommandAfterCloseFailsAtOnceAsNeverSent() {
    qemu.ready();
    qemu.channel.close();
    Throwable lost = cause(qemu.send(1, "stop", Duration.ofSeconds(5)));
    assertThat(lost).hasMessageContaining("session is CLOSED");
    assertThat(((QmpConnectionClosedException) lost).commandSent()).isFalse();
  }

  @Test
  void aLocalCloseGivesItsReasonToPendingCommandsAndTheCloseFuture() {
    qemu.ready();
    CompletableFuture<JsonNode> pending = qemu.send(1, "query-status", Duration.ofSeconds(5));
    qemu.session.closeLocally("shutting down");
    assertThat(cause(pending)).hasMessageContaining("shutting down");
    assertThat(qemu.session.closed().join()).hasMessage("shutting down");
  }
}
