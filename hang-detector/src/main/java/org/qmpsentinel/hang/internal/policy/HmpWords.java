package org.qmpsentinel.hang.internal.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** An HMP command line split as the policies read it: the command, and its {@code info} topic. */
record HmpWords(List<String> words) {

  static HmpWords of(String commandLine) {
    return new HmpWords(
        Arrays.stream(commandLine.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList());
  }

  /** The command word in lower case; empty for an empty line. */
  String command() {
    return words.isEmpty() ? "" : words.get(0).toLowerCase(Locale.ROOT);
  }

  /** For {@code info X ...} (or {@code i X}): X in lower case; empty otherwise. */
  String infoTopic() {
    String c = command();
    return (c.equals("info") || c.equals("i")) && words.size() > 1
        ? words.get(1).toLowerCase(Locale.ROOT)
        : "";
  }

  String display() {
    return String.join(" ", words);
  }
}
