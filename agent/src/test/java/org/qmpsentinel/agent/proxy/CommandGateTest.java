package org.qmpsentinel.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.proxy.CommandGate.Admit;
import org.qmpsentinel.agent.proxy.CommandGate.Answer;
import org.qmpsentinel.agent.proxy.CommandGate.Forward;
import org.qmpsentinel.agent.proxy.CommandGate.Negotiate;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.IntrusionPolicy;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class CommandGateTest {
  private final CommandGate gate = new CommandGate(IntrusionPolicy.qemu72(), List.of("quit"));

  private static ObjectNode json(String text) {
    return (ObjectNode) JsonMapper.shared().readTree(text);
  }

  private CommandGate.Verdict ready(String text) {
    return gate.judge(json(text), true, false, true);
  }

  @Test
  void beforeNegotiationOnlyQmpCapabilitiesPassesAndOobOnlyWhenTheSessionHasIt() {
    assertThat(gate.judge(json("{\"execute\":\"query-status\"}"), false, false, true))
        .isInstanceOfSatisfying(
            Answer.class,
            a ->
                assertThat(a.reply().path("error").path("class").asString())
                    .isEqualTo("CommandNotFound"));
    assertThat(
            gate.judge(
                json("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}"),
                false,
                false,
                true))
        .isEqualTo(new Negotiate("qmp_capabilities", true));
    assertThat(
            gate.judge(
                json("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}"),
                false,
                false,
                false))
        .isInstanceOfSatisfying(
            Answer.class,
            a ->
                assertThat(a.reply().path("error").path("desc").asString())
                    .isEqualTo("Capability 'oob' not available"));
  }

  @Test
  void aSecondNegotiationAndUnnegotiatedOobNeverReachQemu() {
    assertThat(ready("{\"execute\":\"qmp_capabilities\"}"))
        .isInstanceOfSatisfying(
            Answer.class,
            a ->
                assertThat(a.reply().path("error").path("desc").asString())
                    .contains("already complete"));
    assertThat(ready("{\"exec-oob\":\"query-status\"}")).isInstanceOf(Answer.class);
    assertThat(gate.judge(json("{\"exec-oob\":\"query-status\"}"), true, true, true))
        .isEqualTo(new Forward("query-status", true));
  }

  @Test
  void malformedInputGetsQemusKindOfError() {
    assertThat(ready("{\"id\":1}"))
        .isInstanceOfSatisfying(
            Answer.class,
            a ->
                assertThat(a.reply().path("error").path("desc").asString())
                    .isEqualTo("QMP input lacks member 'execute'"));
    assertThat(ready("{\"execute\":5}")).isInstanceOf(Answer.class);
    assertThat(ready("{\"execute\":\"query-status\",\"arguments\":[1]}"))
        .isInstanceOf(Answer.class);
  }

  @Test
  void theDenyListCoversQmpAndHmpAndThePolicyClassifiesTheRest() {
    assertThat(ready("{\"execute\":\"quit\"}"))
        .isInstanceOfSatisfying(Answer.class, a -> assertThat(a.reason()).isEqualTo("deny_list"));
    assertThat(
            ready(
                "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\" QUIT\"}}"))
        .isInstanceOfSatisfying(Answer.class, a -> assertThat(a.reason()).isEqualTo("deny_list"));
    assertThat(ready("{\"execute\":\"query-status\"}"))
        .isEqualTo(new Forward("query-status", false));
    assertThat(
            ready(
                "{\"execute\":\"human-monitor-command\","
                    + "\"arguments\":{\"command-line\":\"info registers\",\"cpu-index\":2}}"))
        .isInstanceOfSatisfying(
            Admit.class,
            a -> {
              assertThat(a.intrusion().level()).isEqualTo(IntrusionLevel.SYNCS_ONE_VCPU);
              assertThat(a.intrusion().vcpu()).hasValue(2);
            });
    assertThat(ready("{\"execute\":\"some-new-command\"}"))
        .isInstanceOfSatisfying(
            Admit.class,
            a -> assertThat(a.intrusion().level()).isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS));
  }
}
