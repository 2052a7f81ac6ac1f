package org.qmpsentinel.agent.config;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code sentinel.*} property name the build knows, from the configuration metadata that
 * spring-boot-configuration-processor writes for each {@code @ConfigurationProperties} class: the
 * one list that cannot drift from the code. The metadata lists a list property once ({@code
 * sentinel.alerting.webhooks}); the names inside its elements ({@code webhooks[0].bearer-token})
 * come from the element record's components.
 *
 * <p>A name is kept as segments in Boot's uniform form (lower case, no dashes), which is how
 * relaxed binding compares them: {@code steadyInterval}, {@code steady-interval} and {@code
 * STEADYINTERVAL} are one name.
 */
final class KnownProperties {
  static final String METADATA = "META-INF/spring-configuration-metadata.json";
  private static final String PREFIX = "sentinel.";
  private static final int MAX_SUGGESTION_DISTANCE = 3;

  /** One element of a known name: a fixed word, any list index, or anything below a map. */
  private record Segment(String display, String uniform) {
    static final Segment INDEX = new Segment("[0]", "");
    static final Segment ANY = new Segment("*", "");

    static Segment word(String dashed) {
      return new Segment(dashed, dashed.replace("-", "").toLowerCase(Locale.ROOT));
    }
  }

  private final List<List<Segment>> names;

  private KnownProperties(List<List<Segment>> names) {
    this.names = List.copyOf(names);
  }

  /** The names in every metadata file on the class path; empty if there is none. */
  static KnownProperties load(ClassLoader classLoader) throws IOException {
    List<List<Segment>> names = new ArrayList<>();
    Enumeration<URL> files = classLoader.getResources(METADATA);
    for (URL url : Collections.list(files)) {
      JsonNode metadata;
      try (InputStream in = url.openStream()) {
        metadata = JsonMapper.shared().readTree(in);
      }
      for (JsonNode property : metadata.path("properties")) {
        String name = property.path("name").asString("");
        if (name.startsWith(PREFIX)) {
          List<Segment> base = new ArrayList<>();
          for (String element : name.split("\\.")) {
            base.add(Segment.word(element));
          }
          addShapes(names, base, type(property.path("type").asString(""), classLoader), 0);
        }
      }
    }
    return new KnownProperties(names);
  }

  boolean isEmpty() {
    return names.isEmpty();
  }

  /**
   * Whether binding can use {@code name}. Environment variables name a dash as {@code _}, which
   * Boot reads either as nothing ({@code STEADYINTERVAL}) or as a dot ({@code STEADY_INTERVAL}), so
   * for them a known word may span several elements.
   */
  boolean isKnown(ConfigurationPropertyName name, boolean fromEnvironment) {
    List<String> elements = new ArrayList<>();
    List<Boolean> indexed = new ArrayList<>();
    for (int i = 0; i < name.getNumberOfElements(); i++) {
      elements.add(name.getElement(i, Form.UNIFORM));
      indexed.add(name.isNumericIndex(i));
    }
    return names.stream().anyMatch(n -> matches(n, 0, elements, indexed, 0, fromEnvironment));
  }

  /** The known name nearest to {@code name} (Levenshtein distance ≤ 3), with its list indices. */
  @Nullable String nearest(ConfigurationPropertyName name) {
    String wanted = name.toString();
    String best = null;
    int bestDistance = MAX_SUGGESTION_DISTANCE + 1;
    for (List<Segment> known : names) {
      String candidate = render(known, name);
      int d = distance(wanted, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  private static boolean matches(
      List<Segment> known,
      int k,
      List<String> elements,
      List<Boolean> indexed,
      int e,
      boolean fromEnvironment) {
    if (k == known.size()) {
      return e == elements.size();
    }
    Segment s = known.get(k);
    if (s == Segment.ANY) {
      return e < elements.size();
    }
    if (e == elements.size()) {
      return false;
    }
    if (s == Segment.INDEX) {
      return indexed.get(e) && matches(known, k + 1, elements, indexed, e + 1, fromEnvironment);
    }
    if (indexed.get(e)) {
      return false;
    }
    String joined = "";
    int last = fromEnvironment ? elements.size() : e + 1;
    for (int i = e; i < last && !indexed.get(i); i++) {
      joined += elements.get(i);
      if (joined.equals(s.uniform())
          && matches(known, k + 1, elements, indexed, i + 1, fromEnvironment)) {
        return true;
      }
      if (joined.length() >= s.uniform().length()) {
        return false;
      }
    }
    return false;
  }

  /** A known name as text, with the list indices that {@code like} uses at the same places. */
  private static String render(List<Segment> known, ConfigurationPropertyName like) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < known.size(); i++) {
      Segment s = known.get(i);
      if (s == Segment.INDEX) {
        out.append(
            i < like.getNumberOfElements() && like.isNumericIndex(i)
                ? "[" + like.getElement(i, Form.ORIGINAL) + "]"
                : s.display());
      } else if (s == Segment.ANY) {
        out.append(".*");
      } else {
        out.append(i == 0 ? "" : ".").append(s.display());
      }
    }
    return out.toString();
  }

  /**
   * The names that a property of {@code type} at {@code base} accepts: itself, and for a list its
   * elements (an index, then the element record's components), for a map anything below it.
   */
  private static void addShapes(
      List<List<Segment>> out, List<Segment> base, ResolvableType type, int depth) {
    out.add(List.copyOf(base));
    Class<?> raw = type.resolve(Object.class);
    if (depth > 4) { // a record that contains itself: accept anything below rather than recurse
      out.add(with(base, Segment.ANY));
    } else if (Map.class.isAssignableFrom(raw)) {
      out.add(with(base, Segment.ANY));
    } else if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
      ResolvableType element =
          raw.isArray() ? type.getComponentType() : type.asCollection().getGeneric(0);
      addShapes(out, with(base, Segment.INDEX), element, depth + 1);
    } else if (raw.isRecord()) {
      for (RecordComponent c : raw.getRecordComponents()) {
        addShapes(
            out,
            with(base, Segment.word(DataObjectPropertyName.toDashedForm(c.getName()))),
            ResolvableType.forType(c.getGenericType()),
            depth + 1);
      }
    }
  }

  private static List<Segment> with(List<Segment> base, Segment next) {
    List<Segment> out = new ArrayList<>(base);
    out.add(next);
    return out;
  }

  /**
   * The metadata's type text ({@code java.util.List<org.example.Outer$Inner>}) as a type. A class
   * this class path lacks is taken as a map: everything below the name is accepted, since refusing
   * a valid setting would be worse than missing a typo.
   */
  private static ResolvableType type(String text, ClassLoader classLoader) {
    try {
      int lt = text.indexOf('<');
      if (lt < 0) {
        return text.isEmpty()
            ? ResolvableType.forClass(Object.class)
            : ResolvableType.forClass(ClassUtils.forName(text, classLoader));
      }
      Class<?> raw = ClassUtils.forName(text.substring(0, lt), classLoader);
      String[] args = text.substring(lt + 1, text.lastIndexOf('>')).split(",");
      Class<?>[] generics = new Class<?>[args.length];
      for (int i = 0; i < args.length; i++) {
        generics[i] = ClassUtils.forName(args[i].trim(), classLoader);
      }
      return ResolvableType.forClassWithGenerics(raw, generics);
    } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
      return ResolvableType.forClass(Map.class); // unknown shape: accept what is below it
    }
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
