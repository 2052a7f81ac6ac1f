package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimOptionsTest {
  @Test
  void scriptsAreAssignedInBlocksByFleetWideNumber() {
    SimOptions o =
        SimOptions.parse(
            "--dir",
            "/tmp/x",
            "--vms",
            "10",
            "--stuck",
            "2",
            "--slow",
            "1",
            "--silent",
            "1",
            "--booting",
            "1");
    assertThat(o.behaviorOf(1)).isEqualTo(Behavior.STUCK);
    assertThat(o.behaviorOf(2)).isEqualTo(Behavior.STUCK);
    assertThat(o.behaviorOf(3)).isEqualTo(Behavior.SLOW);
    assertThat(o.behaviorOf(4)).isEqualTo(Behavior.SILENT);
    assertThat(o.behaviorOf(5)).isEqualTo(Behavior.BOOTING);
    assertThat(o.behaviorOf(6)).isEqualTo(Behavior.HEALTHY);
  }

  @Test
  void aSecondShardServesTheRestOfTheFleet() {
    SimOptions o =
        SimOptions.parse("--dir", "/tmp/x", "--from", "8001", "--vms", "2000", "--stuck", "2");
    assertThat(o.last()).isEqualTo(10_000);
    assertThat(o.behaviorOf(8001)).isEqualTo(Behavior.HEALTHY);
  }

  @Test
  void durationsAndErrors() {
    assertThat(SimOptions.duration("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(SimOptions.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(SimOptions.duration("1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThat(SimOptions.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> SimOptions.parse("--vms", "3"))
        .hasMessageContaining("--dir is required");
    assertThatThrownBy(() -> SimOptions.parse("--dir", "/x", "--vms", "1", "--stuck", "2"))
        .hasMessageContaining("more stuck");
    assertThatThrownBy(() -> SimOptions.parse("--dir", "/x", "--vcpus", "1", "--stuck", "1"))
        .hasMessageContaining("needs an AP");
  }
}
