package org.qmpsentinel.agent.config;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * A QMP endpoint the client can parse ({@code unix:/path}, {@code /path}, {@code host:port}):
 * checked by the client's own parser, so the configuration cannot accept what the client rejects.
 * Blank is left to {@code @NotBlank}.
 */
@Documented
@Constraint(validatedBy = QmpEndpointSyntax.Check.class)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
public @interface QmpEndpointSyntax {
  String message() default "must be unix:/path, /path or host:port";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  /** The check, next to its annotation. */
  class Check implements ConstraintValidator<QmpEndpointSyntax, String> {
    @Override
    public boolean isValid(String endpoint, ConstraintValidatorContext context) {
      if (endpoint == null || endpoint.isBlank()) {
        return true;
      }
      try {
        QmpEndpoint.parse(endpoint);
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}
