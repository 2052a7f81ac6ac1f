package org.qmpsentinel.qmp;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** The thin blocking facade over {@link QmpConnection}: waits for each reply, rethrows failures. */
public interface BlockingQmp {
  <T> T execute(QmpCommand<T> command);

  <T> T execute(QmpCommand<T> command, Duration timeout);

  JsonNode execute(String command, @Nullable JsonNode arguments);
}
