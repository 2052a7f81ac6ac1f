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
import java.nio.file.Path;

/**
 * An absolute path: a relative one would depend on the directory the service happens to be started
 * from (systemd starts it in {@code /}). Null is left to {@code @NotNull}.
 */
@Documented
@Constraint(validatedBy = AbsolutePath.Check.class)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
public @interface AbsolutePath {
  String message() default "must be an absolute path";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  /** The check, next to its annotation. */
  class Check implements ConstraintValidator<AbsolutePath, Path> {
    @Override
    public boolean isValid(Path path, ConstraintValidatorContext context) {
      return path == null || path.isAbsolute();
    }
  }
}
