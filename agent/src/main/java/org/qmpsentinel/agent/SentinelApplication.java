package org.qmpsentinel.agent;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Entry point of the qmp-sentinel daemon. */
@SpringBootApplication
public class SentinelApplication {
  public static void main(String[] args) {
    SpringApplication.run(SentinelApplication.class, args);
  }
}
