package org.qmpsentinel.agent.config;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Reports a constraint violation under the name an operator writes. Boot's own analysis validates
 * {@code @ConfigurationProperties} records as one object and so names a nested field in Java form
 * ({@code sentinel.poll.cpusRefresh}), without the value as written or where it came from; this one
 * prints {@code sentinel.poll.cpus-refresh}, the configured text and its origin (file and line,
 * environment variable, argument). Ordered first, so it answers before Boot's.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class PropertyValidationFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
    ValidationErrors errors = cause.getValidationErrors();
    StringBuilder description = new StringBuilder("Invalid configuration:\n");
    for (ObjectError error : errors) {
      if (error instanceof FieldError field) {
        describe(description, errors, field);
      }
      description.append("\n    Reason: ").append(error.getDefaultMessage()).append('\n');
    }
    return new FailureAnalysis(
        description.toString(),
        "Correct the properties above (README.md lists every sentinel.* property and its range).",
        cause);
  }

  private static void describe(StringBuilder out, ValidationErrors errors, FieldError field) {
    ConfigurationPropertyName name = propertyName(errors.getName(), field.getField());
    ConfigurationProperty bound =
        name == null
            ? null
            : errors.getBoundProperties().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst()
                .orElse(null);
    out.append("\n    Property: ")
        .append(name != null ? name : errors.getName() + "." + field.getField());
    out.append("\n    Value: \"")
        .append(bound != null ? bound.getValue() : field.getRejectedValue())
        .append('"');
    Origin origin = bound != null ? bound.getOrigin() : Origin.from(field);
    if (origin != null) {
      out.append("\n    Origin: ").append(origin);
    }
  }

  private static @org.jspecify.annotations.Nullable ConfigurationPropertyName propertyName(
      ConfigurationPropertyName object, String field) {
    try {
      return object.append(DataObjectPropertyName.toDashedForm(field));
    } catch (RuntimeException e) { // a field path that is no property name (a map key, say)
      return null;
    }
  }
}
