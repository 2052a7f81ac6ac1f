package org.qmpsentinel.agent.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BuildVersionTest {

  @Test
  void revisionIsTheAbbreviatedCommitMarkedDirtyWhenTheTreeHadChanges() {
    assertThat(BuildVersion.of(build("1.0.0"), git("abc1234", false), "17.0.9").describe())
        .isEqualTo("qmp-sentinel 1.0.0 (revision abc1234, Java 17.0.9)");
    assertThat(BuildVersion.of(build("1.0.0"), git("abc1234", true), "17").revision())
        .isEqualTo("abc1234-dirty");
  }

  @Test
  void aBuildWithoutRepositoryOrBuildInfoSaysUnknown() {
    BuildVersion v = BuildVersion.of(new Properties(), new Properties(), "17");
    assertThat(v.version()).isEqualTo("unknown");
    assertThat(v.revision()).isEqualTo("unknown");
  }

  @Test
  void theJarOfThisBuildCarriesItsVersionAndRevision() {
    BuildVersion v = BuildVersion.current();
    // Maven wrote both files into target/classes before the tests ran (build-info, git plugin).
    assertThat(v.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(v.revision()).matches("[0-9a-f]{7,}(-dirty)?|unknown");
    assertThat(v.java()).isEqualTo(Runtime.version().toString());
  }

  @Test
  void buildInfoIsOneSeriesOfValueOneWithTheThreeLabels() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(new BuildInfoCollector(new BuildVersion("1.0.0", "abc1234", "17.0.9")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "qmp_sentinel_build_info{java=\"17.0.9\",revision=\"abc1234\",version=\"1.0.0\"} 1");
  }

  private static Properties build(String version) {
    Properties p = new Properties();
    p.setProperty("build.version", version);
    return p;
  }

  private static Properties git(String abbrev, boolean dirty) {
    Properties p = new Properties();
    p.setProperty("git.commit.id.abbrev", abbrev);
    p.setProperty("git.dirty", Boolean.toString(dirty));
    return p;
  }
}
