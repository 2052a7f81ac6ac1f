package org.qmpsentinel.agent.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.VmId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code active-hangs.json}: the active hangs, field by field (a format of our own, not Jackson's
 * view of the records).
 */
final class HangStateCodec {
  private static final JsonMapper JSON = JsonMapper.shared();

  private HangStateCodec() {}

  static String encode(List<HangEvent> events) {
    ArrayNode list = JSON.createArrayNode();
    for (HangEvent e : events) {
      ObjectNode n = list.addObject();
      n.put("vmId", e.vm().id());
      n.put("vm", e.vm().name());
      n.put("uuid", e.vm().uuid());
      n.put("kind", e.kind().name());
      n.put("state", e.state().name());
      n.put("confidence", e.evidence().confidence().name());
      n.put("summary", e.evidence().summary());
      n.set("figures", JSON.valueToTree(e.evidence().figures()));
      if (e.since() != null) {
        n.put("since", e.since().toString());
      }
      n.put("at", e.at().toString());
    }
    return JSON.writeValueAsString(list);
  }

  @SuppressWarnings("unchecked")
  static List<HangEvent> decode(String json) {
    List<HangEvent> events = new ArrayList<>();
    for (JsonNode n : JSON.readTree(json)) {
      events.add(
          new HangEvent(
              new VmId(
                  n.path("vmId").asString(), n.path("vm").asString(), n.path("uuid").asString()),
              HangKind.valueOf(n.path("kind").asString()),
              HangState.valueOf(n.path("state").asString()),
              new Evidence(
                  Evidence.Confidence.valueOf(n.path("confidence").asString()),
                  n.path("summary").asString(),
                  JSON.treeToValue(n.path("figures"), Map.class)),
              Instant.parse(n.path(n.hasNonNull("since") ? "since" : "at").asString()),
              Instant.parse(n.path("at").asString())));
    }
    return events;
  }
}
