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
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * An absolute {@code DIRECTORY/PATTERN} whose directory has no wildcards (discovery lists that one
 * directory and never walks elsewhere), or empty for "off". Checked here, with the property's name,
 * rather than when the discovery source is built, so a typo stops start-up like any other bad
 * value.
 */
@Documented
@Constraint(validatedBy = SocketGlob.Check.class)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
public @interface SocketGlob {
  String message() default
      "must be an absolute DIRECTORY/PATTERN whose directory has no wildcards (empty: off)";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  /** The check, next to its annotation. */
  class Check implements ConstraintValidator<SocketGlob, String> {
    @Override
    public boolean isValid(String glob, ConstraintValidatorContext context) {
      if (glob == null || glob.isBlank()) {
        return true;
      }
      try {
        Path pattern = Path.of(glob);
        Path directory = pattern.getParent();
        if (!pattern.isAbsolute() || directory == null || hasWildcard(directory.toString())) {
          return false;
        }
        FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName());
        return true;
      } catch (RuntimeException e) { // InvalidPathException, PatternSyntaxException
        return false;
      }
    }

    private static boolean hasWildcard(String s) {
      return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }
  }
}
