package org.qmpsentinel.agent.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.proxy.CommandGate.Admit;
import org.qmpsentinel.agent.proxy.CommandGate.Answer;
import org.qmpsentinel.agent.proxy.CommandGate.Forward;
import org.qmpsentinel.agent.proxy.CommandGate.Negotiate;
import org.qmpsentinel.agent.proxy.InBandCommand.State;
import org.qmpsentinel.agent.proxy.ProxyMetrics.Outcome;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One client of a VM's proxy socket: its own greeting and negotiation, its commands judged,
 * admitted and forwarded in order, its replies routed back, its events bounded. Everything runs on
 * the client channel's event loop (replies and admissions hop there), except {@link #offerEvent},
 * which the upstream's event loop calls. What a client does — flood, stall, send garbage, leave
 * mid-command — costs that client its connection at most, never another client or the agent.
 */
final class ProxyClient extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProxyService.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  /**
   * Refusals of the policy reach one client at most this often: a tool that repeats a refused
   * command back to back (the incident's monitor) would otherwise spin a host CPU on refusals and
   * take it from the guests' vCPUs, the very boots the refusal protects.
   */
  static final Duration REFUSAL_PACE = Duration.ofMillis(10);

  private final VmProxy vm;
  private final ProxyAudit audit = new ProxyAudit();
  private final ArrayDeque<InBandCommand> inBand = new ArrayDeque<>();
  private final AtomicInteger queuedEvents = new AtomicInteger();
  private final Instant since = Instant.now();
  private ClientIdentity identity = new ClientIdentity(-1, -1);

  @SuppressWarnings("NullAway.Init") // set in channelActive, before any read
  private Channel channel;

  private volatile boolean negotiated;
  private volatile boolean oob;
  private volatile boolean closing;
  private int inFlight;
  private long lastRefusal = Long.MIN_VALUE;
  private boolean pumping;
  private boolean again;
  private volatile long commands;
  private volatile long denied;
  private volatile long deferred;

  ProxyClient(VmProxy vm) {
    this.vm = vm;
  }

  ClientInfo info() {
    return new ClientInfo(
        identity.pid(), identity.uid(), since, negotiated, oob, commands, denied, deferred);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    identity = ClientIdentity.of(channel);
    ObjectNode greeting = vm.greeting();
    if (greeting == null || !vm.clientCame(this)) {
      ctx.close(); // no upstream session, or the VM has all the clients it may have
      return;
    }
    ctx.writeAndFlush(greeting);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    inBand.forEach(InBandCommand::cancelTimers);
    vm.clientGone(this);
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof JsonNode node) || closing) {
      return;
    }
    commands++;
    if (!(node instanceof ObjectNode message)) {
      enqueue(
          new InBandCommand(
              null,
              tools.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
              answerNotObject()));
      return;
    }
    CommandGate.Verdict verdict = vm.gate().judge(message, negotiated, oob, vm.upstreamOob());
    if (verdict instanceof Negotiate n) {
      negotiated = true; // at once: a command pipelined behind it is judged as negotiated
      oob = n.oob();
    }
    JsonNode id = message.get("id");
    boolean outOfBand =
        (verdict instanceof Forward f && f.oob()) || (verdict instanceof Admit a && a.oob());
    if (outOfBand) {
      outOfBand(id, message, verdict);
    } else {
      enqueue(new InBandCommand(id, message, verdict));
    }
  }

  private static Answer answerNotObject() {
    return new Answer(
        "",
        QmpReplies.genericError("QMP input must be a JSON object"),
        Outcome.ANSWERED_LOCALLY,
        "malformed");
  }

  private void enqueue(InBandCommand command) {
    inBand.add(command);
    inFlight++;
    throttle();
    pump();
  }

  /**
   * Starts every queued command up to the first that must wait, then writes finished replies.
   * Re-entrant calls (a reply the proxy gives at once) only ask for another round.
   */
  private void pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        for (InBandCommand c : inBand) {
          if (c.state == State.QUEUED) {
            start(c);
          }
          if (c.state == State.ADMITTING || c.state == State.HELD) {
            break;
          }
        }
        flushReplies();
      } while (again);
    } finally {
      pumping = false;
    }
  }

  private void start(InBandCommand c) {
    CommandGate.Verdict v = c.verdict;
    if (v instanceof Answer a) {
      count(a.command(), a.outcome(), a.reason());
      if (a.outcome() == Outcome.DENIED) {
        denied++;
        audit(a.command(), "denied", a.reason());
      }
      c.done(a.reply());
    } else if (v instanceof Negotiate n) {
      count(n.command(), Outcome.ANSWERED_LOCALLY, "negotiation");
      c.done(QmpReplies.emptyReturn());
    } else if (v instanceof Forward f) {
      count(f.command(), Outcome.FORWARDED, "non_intrusive");
      c.state = State.SENT;
      send(c.message, () -> {}, reply -> finish(c, reply));
    } else if (v instanceof Admit a) {
      admit(c, a);
    }
  }

  private void admit(InBandCommand c, Admit a) {
    c.state = State.ADMITTING;
    vm.admit(a.intrusion())
        .whenComplete(
            (decision, error) ->
                channel
                    .eventLoop()
                    .execute(
                        () ->
                            admitted(
                                c,
                                a,
                                error != null
                                    ? IntrusionDecision.deny("not_connected", String.valueOf(error))
                                    : decision)));
  }

  private void admitted(InBandCommand c, Admit a, IntrusionDecision decision) {
    if (!channel.isActive() || c.expired) {
      decision.close();
      if (c.expired) {
        pump(); // the hold timed out meanwhile; its reply was written
      }
      return;
    }
    if (decision.allowed()) {
      count(a.command(), Outcome.FORWARDED, decision.code());
      endHold(c);
      c.state = State.SENT;
      send(c.message, decision::close, reply -> finish(c, reply));
    } else if (vm.deferring() && RefusalText.TEMPORARY.contains(decision.code())) {
      hold(c, a, decision);
    } else {
      count(a.command(), Outcome.DENIED, decision.code());
      denied++;
      audit(a.intrusion().command(), "denied", decision.reason());
      endHold(c);
      ObjectNode refusal = QmpReplies.genericError(RefusalText.denied(a.command(), decision));
      long now = System.nanoTime();
      long due = lastRefusal == Long.MIN_VALUE ? now : lastRefusal + REFUSAL_PACE.toNanos();
      lastRefusal = Math.max(now, due);
      if (due > now) {
        // Still ADMITTING: the client's later in-band commands wait behind it, in order.
        channel.eventLoop().schedule(() -> finish(c, refusal), due - now, TimeUnit.NANOSECONDS);
        return;
      }
      c.done(refusal);
    }
    pump();
  }

  /** Defer mode: keep the command (and the client's later in-band ones) until it is allowed. */
  private void hold(InBandCommand c, Admit a, IntrusionDecision refusal) {
    c.state = State.HELD;
    c.lastRefusal = refusal.reason();
    if (c.heldSince < 0) {
      c.heldSince = System.nanoTime();
      deferred++;
      count(a.command(), Outcome.DEFERRED, refusal.code());
      audit(a.intrusion().command(), "deferred", refusal.reason());
      c.timeout =
          channel
              .eventLoop()
              .schedule(
                  () -> expire(c, a), vm.settings().deferTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    c.retry =
        channel.eventLoop().schedule(() -> retry(c, a), RETRY.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Asks again when asking can succeed: a startup refusal only once the VM is STEADY. */
  private void retry(InBandCommand c, Admit a) {
    if (c.state != State.HELD) {
      return;
    }
    if (c.lastRefusal.startsWith("startup_ap_sync") && !vm.steady()) {
      c.retry =
          channel.eventLoop().schedule(() -> retry(c, a), RETRY.toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    admit(c, a);
  }

  private void expire(InBandCommand c, Admit a) {
    if (c.state != State.HELD && c.state != State.ADMITTING) {
      return;
    }
    Duration held = Duration.ofNanos(System.nanoTime() - c.heldSince);
    if (c.state == State.ADMITTING) {
      c.expired = true; // whatever the admission on its way grants is closed unused
    }
    count(a.command(), Outcome.DENIED, "defer_timeout");
    denied++;
    audit(a.intrusion().command(), "denied", "defer_timeout: held " + held.toSeconds() + " s");
    endHold(c);
    c.done(QmpReplies.genericError(RefusalText.heldTooLong(a.command(), held, c.lastRefusal)));
    pump();
  }

  private void endHold(InBandCommand c) {
    if (c.heldSince >= 0) {
      vm.metrics().deferralEnded(Duration.ofNanos(System.nanoTime() - c.heldSince));
    }
    c.cancelTimers();
  }

  private void finish(InBandCommand c, ObjectNode reply) {
    c.done(reply);
    pump();
  }

  /** Out-of-band: answered as soon as QEMU answers, past any in-band command. Never held. */
  private void outOfBand(@Nullable JsonNode id, ObjectNode message, CommandGate.Verdict verdict) {
    inFlight++;
    throttle();
    if (verdict instanceof Forward f) {
      count(f.command(), Outcome.FORWARDED, "non_intrusive");
      send(message, () -> {}, reply -> writeOutOfBand(id, reply));
    } else if (verdict instanceof Admit a) {
      vm.admit(a.intrusion())
          .whenComplete(
              (decision, error) ->
                  channel
                      .eventLoop()
                      .execute(
                          () -> {
                            if (error == null && decision.allowed()) {
                              count(a.command(), Outcome.FORWARDED, decision.code());
                              send(message, decision::close, reply -> writeOutOfBand(id, reply));
                              return;
                            }
                            IntrusionDecision refusal =
                                error != null
                                    ? IntrusionDecision.deny("not_connected", error.toString())
                                    : decision;
                            count(a.command(), Outcome.DENIED, refusal.code());
                            denied++;
                            audit(a.intrusion().command(), "denied", refusal.reason());
                            writeOutOfBand(
                                id,
                                QmpReplies.genericError(RefusalText.denied(a.command(), refusal)));
                          }));
    }
  }

  private void writeOutOfBand(@Nullable JsonNode id, ObjectNode reply) {
    inFlight--;
    channel.writeAndFlush(QmpReplies.withId(reply, id));
    throttle();
  }

  /**
   * Forwards over the agent's session; the reply (or a GenericError if none comes) reaches {@code
   * then} on this client's event loop. {@code release} runs as soon as QEMU has answered.
   */
  private void send(
      ObjectNode message, Runnable release, java.util.function.Consumer<ObjectNode> then) {
    vm.forward(
        message,
        release,
        reply -> {
          if (channel.eventLoop().inEventLoop()) {
            then.accept(reply);
          } else {
            channel.eventLoop().execute(() -> then.accept(reply));
          }
        });
  }

  /** Writes the replies that are next in order. */
  private void flushReplies() {
    boolean wrote = false;
    while (!inBand.isEmpty() && inBand.peekFirst().state == State.DONE) {
      InBandCommand c = inBand.pollFirst();
      channel.write(QmpReplies.withId(java.util.Objects.requireNonNull(c.reply), c.clientId));
      inFlight--;
      wrote = true;
    }
    if (wrote) {
      channel.flush();
      throttle();
    }
  }

  /**
   * Reads only while the client has fewer than {@code max-in-flight} commands unanswered and its
   * replies drain: a flood waits in the client's own socket buffer, not in our memory or QEMU's.
   */
  private void throttle() {
    boolean read = inFlight < vm.settings().maxInFlight() && channel.isWritable();
    if (channel.config().isAutoRead() != read) {
      channel.config().setAutoRead(read);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    throttle();
    ctx.fireChannelWritabilityChanged();
  }

  /** On the upstream's event loop: one event for this client, unless it fell too far behind. */
  void offerEvent(ByteBuf event) {
    if (!negotiated || closing) {
      return;
    }
    if (queuedEvents.incrementAndGet() > vm.settings().eventBuffer()) {
      queuedEvents.decrementAndGet();
      closing = true;
      log.warn(
          "{}: proxy client {} fell {} events behind; disconnected (sentinel.proxy.event-buffer)",
          vm.name(),
          identity,
          vm.settings().eventBuffer());
      vm.metrics().disconnected("slow");
      channel.close();
      return;
    }
    channel
        .writeAndFlush(event.retainedDuplicate())
        .addListener(f -> queuedEvents.decrementAndGet());
  }

  /** The VM's session to QEMU is gone: a clean close (EOF), as QEMU's own socket would give. */
  void upstreamLost() {
    closing = true;
    channel.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable root =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (root instanceof QmpProtocolException) {
      log.warn("{}: proxy client {} disconnected: {}", vm.name(), identity, root.getMessage());
      vm.metrics().disconnected("protocol");
    } else if (!(root instanceof IOException)) {
      log.warn("{}: proxy client {} disconnected: {}", vm.name(), identity, root.toString());
      vm.metrics().disconnected("error");
    }
    closing = true;
    ctx.close();
  }

  private void count(String command, Outcome outcome, String reason) {
    vm.metrics().command(command, outcome, reason);
  }

  private void audit(String command, String decision, String reason) {
    audit.record(identity, vm.name(), command, decision, reason, System.nanoTime());
  }
}
