package org.qmpsentinel.agent;

import java.util.Arrays;
import org.qmpsentinel.agent.build.BuildVersion;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Entry point of the qmp-sentinel daemon. */
@SpringBootApplication
public class SentinelApplication {
  public static void main(String[] args) {
    // Answered before Spring starts: no configuration is read and no port is bound, so it works
    // for any user while the service is running.
    if (Arrays.asList(args).contains("--version")) {
      System.out.println(BuildVersion.current().describe());
      return;
    }
    SpringApplication.run(SentinelApplication.class, args);
  }
}
