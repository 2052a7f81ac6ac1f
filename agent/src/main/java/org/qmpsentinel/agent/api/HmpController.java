package org.qmpsentinel.agent.api;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.agent.supervisor.WatchedVm;
import org.qmpsentinel.agent.supervisor.WatchedVm.HmpResult;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/vms/{id}/hmp}: runs an HMP command only if the intrusion policy allows it
 * now; 403 with the policy's reason otherwise. Off by default; requires the configured bearer
 * token.
 */
@RestController
public class HmpController {
  private final VmRegistry registry;
  private final SentinelProperties.Hmp config;
  private final HmpAudit audit;

  public HmpController(VmRegistry registry, SentinelProperties properties, HmpAudit audit) {
    this.registry = registry;
    this.config = properties.api().hmp();
    this.audit = audit;
  }

  /** Request body. */
  public record HmpRequest(String command, Integer cpuIndex) {}

  @PostMapping("/api/v1/vms/{id}/hmp")
  public ResponseEntity<Map<String, Object>> hmp(
      @PathVariable String id,
      @RequestHeader(value = "Authorization", required = false) @Nullable String authorization,
      @RequestBody HmpRequest request,
      HttpServletRequest http) {
    if (!config.enabled()) {
      return error(HttpStatus.NOT_FOUND, "the HMP endpoint is disabled (sentinel.api.hmp.enabled)");
    }
    if (!authorized(authorization)) {
      audit.record(http, id, "", "unauthorized", "missing or wrong bearer token");
      return error(HttpStatus.UNAUTHORIZED, "missing or wrong bearer token");
    }
    if (request == null || request.command() == null || request.command().isBlank()) {
      return error(HttpStatus.BAD_REQUEST, "body must be {\"command\": \"...\", \"cpuIndex\": n?}");
    }
    Optional<String> refusal = HmpAllowList.refusal(request.command());
    if (refusal.isPresent()) {
      audit.record(http, id, request.command(), "denied", "not_allowed: " + refusal.get());
      return ResponseEntity.status(HttpStatus.FORBIDDEN)
          .body(Map.of("allowed", false, "reason", "not_allowed: " + refusal.get()));
    }
    WatchedVm vm = registry.find(id).orElse(null);
    if (vm == null) {
      audit.record(http, id, request.command(), "denied", "no_such_vm");
      return error(HttpStatus.NOT_FOUND, "no VM " + id);
    }
    OptionalInt cpu =
        request.cpuIndex() == null ? OptionalInt.empty() : OptionalInt.of(request.cpuIndex());
    HmpResult result;
    try {
      result = vm.runHmp(request.command(), cpu).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e instanceof CompletionException || e.getCause() != null ? e.getCause() : e;
      audit.record(http, id, request.command(), "failed", String.valueOf(cause));
      return error(HttpStatus.BAD_GATEWAY, "QMP: " + cause);
    }
    audit.record(
        http, id, request.command(), result.allowed() ? "allowed" : "denied", result.reason());
    if (!result.allowed()) {
      return ResponseEntity.status(HttpStatus.FORBIDDEN)
          .body(Map.of("allowed", false, "reason", result.reason()));
    }
    return ResponseEntity.ok(
        Map.of("allowed", true, "reason", result.reason(), "output", result.output()));
  }

  private boolean authorized(@Nullable String header) {
    String token = config.token(); // set whenever the endpoint is enabled (checked at start-up)
    if (token == null || header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
  }

  private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
    return ResponseEntity.status(status).body(Map.of("error", message));
  }
}
