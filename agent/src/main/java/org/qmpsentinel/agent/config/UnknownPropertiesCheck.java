package org.qmpsentinel.agent.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

/**
 * Stops start-up when the configuration sets a {@code sentinel.*} key that no property binds, e.g.
 * {@code sentinel.poll.intervall}: binding ignores unknown keys, so the typo would silently leave
 * the default in force. Every property source counts (files, arguments, system properties,
 * environment variables); the known names come from the build's configuration metadata ({@link
 * KnownProperties}).
 *
 * <p>A bean factory post-processor, so it runs before any bean is created or a port opened, yet
 * (unlike an {@code EnvironmentPostProcessor}) after every configuration file was loaded.
 */
@Component
class UnknownPropertiesCheck
    implements BeanFactoryPostProcessor, EnvironmentAware, PriorityOrdered {
  private static final Logger log = LoggerFactory.getLogger(UnknownPropertiesCheck.class);
  private static final ConfigurationPropertyName SENTINEL =
      ConfigurationPropertyName.of("sentinel");

  private @Nullable Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public int getOrder() {
    return PriorityOrdered.HIGHEST_PRECEDENCE;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    KnownProperties known;
    try {
      known = KnownProperties.load(getClass().getClassLoader());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + KnownProperties.METADATA, e);
    }
    if (known.isEmpty()) {
      // A build without the configuration processor (an IDE run, say): better unchecked than down.
      log.warn(
          "no {} on the class path: unknown sentinel.* keys are not reported",
          KnownProperties.METADATA);
      return;
    }
    List<String> problems = problems(Objects.requireNonNull(environment, "environment"), known);
    if (!problems.isEmpty()) {
      throw new UnknownPropertiesException(problems);
    }
  }

  /** One line per unknown key, in property-source order (the one in force first). */
  static List<String> problems(Environment environment, KnownProperties known) {
    Set<ConfigurationPropertyName> reported = new LinkedHashSet<>();
    List<String> problems = new ArrayList<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (!(source instanceof IterableConfigurationPropertySource iterable)) {
        continue; // e.g. random.*: nothing to list
      }
      boolean fromEnvironment =
          source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
      iterable.stream()
          .filter(SENTINEL::isAncestorOf)
          .filter(name -> !known.isKnown(name, fromEnvironment))
          .filter(reported::add)
          .forEach(
              name -> problems.add(problem(name, source.getConfigurationProperty(name), known)));
    }
    return problems;
  }

  private static String problem(
      ConfigurationPropertyName name,
      @Nullable ConfigurationProperty property,
      KnownProperties known) {
    StringBuilder line = new StringBuilder("unknown property ").append(name);
    String nearest = known.nearest(name);
    if (nearest != null) {
      line.append("; did you mean ").append(nearest).append('?');
    }
    if (property != null && property.getOrigin() != null) {
      line.append(" (").append(property.getOrigin()).append(')');
    }
    return line.toString();
  }
}
