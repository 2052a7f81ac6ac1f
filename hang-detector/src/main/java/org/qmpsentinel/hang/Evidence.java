package org.qmpsentinel.hang;

import java.util.Map;

/**
 * Why a detector believes what it reports: a one-line summary, the numbers behind it, and how
 * strong the signal is.
 */
public record Evidence(Confidence confidence, String summary, Map<String, Object> figures) {
  public Evidence {
    figures = Map.copyOf(figures);
  }

  /** HIGH: KVM exit counters or registers; LOW: host CPU time only. */
  public enum Confidence {
    LOW,
    HIGH
  }
}
