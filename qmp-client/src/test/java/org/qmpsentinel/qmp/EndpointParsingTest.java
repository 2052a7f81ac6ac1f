package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointParsingTest {
  @Test
  void parsesEveryForm() {
    assertThat(QmpEndpoint.parse("unix:/a/b")).isEqualTo(QmpEndpoint.unix(Path.of("/a/b")));
    assertThat(QmpEndpoint.parse("/a/b")).isEqualTo(QmpEndpoint.unix(Path.of("/a/b")));
    assertThat(QmpEndpoint.parse("tcp:127.0.0.1:4444"))
        .isEqualTo(QmpEndpoint.tcp("127.0.0.1", 4444));
    assertThat(QmpEndpoint.parse("localhost:4444")).isEqualTo(QmpEndpoint.tcp("localhost", 4444));
    assertThat(QmpEndpoint.parse("[::1]:4444")).isEqualTo(QmpEndpoint.tcp("::1", 4444));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nonsense", "host:", "host:notaport", "unix:", "host:70000"})
  void rejectsWithTheText(String text) {
    assertThatThrownBy(() -> QmpEndpoint.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
