package org.qmpsentinel.agent.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Start-up failure report for {@link UnknownPropertiesException}: the keys, then what to do. */
class UnknownPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnknownPropertiesException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, UnknownPropertiesException cause) {
    return new FailureAnalysis(
        "The configuration sets sentinel.* keys that no property binds:\n\n    "
            + String.join("\n    ", cause.problems())
            + "\n",
        "Correct or remove these keys: a misspelt key would otherwise be ignored and the default"
            + " used instead. README.md lists every sentinel.* property.",
        cause);
  }
}
