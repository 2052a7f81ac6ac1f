package org.qmpsentinel.agent.config;

import java.util.List;

/** {@code sentinel.*} keys that no property binds; each problem names a key and its origin. */
public class UnknownPropertiesException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  UnknownPropertiesException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per unknown key: {@code unknown property X; did you mean Y? (origin)}. */
  public List<String> problems() {
    return problems;
  }
}
