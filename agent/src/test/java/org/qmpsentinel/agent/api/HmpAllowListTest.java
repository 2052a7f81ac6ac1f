package org.qmpsentinel.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HMP endpoint is a privilege boundary: whatever the phase, only reads on the allow-list pass;
 * commands that write host files, run host commands or change the VM's life get 403 and an audit
 * line. No VM is needed: refusal happens before the VM is looked up.
 */
@ExtendWith(OutputCaptureExtension.class)
class HmpAllowListTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private QmpClient client;
  private ScheduledExecutorService scheduler;
  private MockMvc mvc;

  @BeforeEach
  void setUp() {
    client = QmpClient.create();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    SentinelProperties properties =
        new Binder(
                new MapConfigurationPropertySource(
                    java.util.Map.of(
                        "sentinel.api.hmp.enabled", "true", "sentinel.api.hmp.token", "secret")))
            .bindOrCreate("sentinel", SentinelProperties.class);
    VmRegistry registry =
        new VmRegistry(
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
            SupervisorSettings.defaults(),
            SupervisorListener.NONE);
    mvc =
        MockMvcBuilders.standaloneSetup(
                new HmpController(registry, properties, new HmpAudit(meters)))
            .build();
  }

  @AfterEach
  void tearDown() {
    client.close();
    scheduler.shutdownNow();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "migrate \"exec:touch /tmp/x\"",
        "pmemsave 0 4096 \"/tmp/x\"",
        "memsave 0 4096 /tmp/x",
        "dump-guest-memory /tmp/x",
        "screendump /tmp/x.ppm",
        "quit",
        "q",
        "system_reset",
        "system_powerdown",
        "cont",
        "c",
        "stop",
        "device_add e1000,id=n1",
        "device_del n1",
        "chardev-add socket,id=c1,path=/tmp/c1",
        "netdev_add user,id=u1",
        "savevm snap",
        "loadvm snap",
        "info registers\nquit",
        "info no-such-thing",
        "nmi",
        "sendkey ctrl-alt-delete"
      })
  void refusesEverythingButReadsWith403AndAnAuditLine(String command, CapturedOutput output)
      throws Exception {
    hmp(command).andExpect(status().isForbidden());
    assertThat(output.getOut())
        .contains("hmp caller=127.0.0.1 vm=vm-1 command=")
        .contains("decision=denied reason=\"not_allowed: ");
    assertThat(meters.counter("qmp.sentinel.api.hmp.requests", "decision", "denied").count())
        .isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"info registers", "info cpus", "info registers -a", "x /4x 0", "xp /4x 0"})
  void readsPassTheAllowListAndGoOnToTheVm(String command, CapturedOutput output) throws Exception {
    hmp(command).andExpect(status().isNotFound()); // allowed by the list; there is no such VM
    assertThat(output.getOut()).contains("decision=denied reason=\"no_such_vm\"");
  }

  private org.springframework.test.web.servlet.ResultActions hmp(String command) throws Exception {
    return mvc.perform(
        post("/api/v1/vms/vm-1/hmp")
            .header("Authorization", "Bearer secret")
            .contentType(MediaType.APPLICATION_JSON)
            .content(JsonMapper.shared().writeValueAsString(java.util.Map.of("command", command))));
  }
}
