# qmp-sentinel agent image.
#
# Default: build the jar with the wrapper, then run it on a JRE as a non-root user.
#   docker build -t qmp-sentinel .
# Base images are build arguments, so hosts without a registry can use local ones, e.g. a
# debootstrap'ed Debian imported with `docker import` plus Debian's JDK/JRE packages:
#   docker build --network host \
#     --build-arg BUILD_IMAGE=qmp-sentinel/debian:bookworm \
#     --build-arg BUILD_PACKAGES="maven openjdk-17-jdk-headless" \
#     --build-arg RUNTIME_IMAGE=qmp-sentinel/debian:bookworm \
#     --build-arg RUNTIME_PACKAGES=openjdk-17-jre-headless -t qmp-sentinel .
# Or package the executable jar built on the host (./mvnw -B -DskipTests -pl agent -am package
# makes agent/target/qmp-sentinel-exec.jar) without Maven in the image:
#   docker build --target runtime-prebuilt ... .
#
# Run (the agent needs the host's /proc for vCPU thread CPU time, the QMP sockets, and a state
# volume for the alert spool; a named volume starts out owned by the image's user, so this works on
# a fresh host; docs/deploy.md "Container" has the details):
#   docker run -d --name qmp-sentinel --network host --pid host \
#     -v /run/qmp-sentinel:/run/qmp-sentinel -v qmp-sentinel-state:/var/lib/qmp-sentinel \
#     --group-add "$(getent group kvm | cut -d: -f3)" qmp-sentinel
# The container user (uid 10001) must be able to open the QMP sockets (connect needs write
# permission on the socket file): /run/qmp-sentinel of the .deb's tmpfiles.d (group kvm, setgid)
# with --group-add kvm does it. A bind-mounted state directory must belong to uid 10001; the
# entrypoint says so and exits 78 when it does not. HEALTHCHECK asks /actuator/health/liveness.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${RUNTIME_IMAGE} AS runtime-base
ARG RUNTIME_PACKAGES=""
RUN if [ -n "$RUNTIME_PACKAGES" ]; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends $RUNTIME_PACKAGES && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --system --no-create-home --uid 10001 --user-group qmp-sentinel \
 && mkdir -p /var/lib/qmp-sentinel/spool && chown -R qmp-sentinel:qmp-sentinel /var/lib/qmp-sentinel
COPY deploy/docker/entrypoint.sh /usr/local/bin/qmp-sentinel-entrypoint
COPY deploy/docker/healthcheck.sh /usr/local/bin/qmp-sentinel-healthcheck
USER 10001
EXPOSE 9180
ENV JAVA_OPTS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
VOLUME /var/lib/qmp-sentinel
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/usr/local/bin/qmp-sentinel-healthcheck"]
ENTRYPOINT ["/usr/local/bin/qmp-sentinel-entrypoint"]

FROM runtime-base AS runtime-prebuilt
COPY agent/target/qmp-sentinel-exec.jar /opt/qmp-sentinel/qmp-sentinel.jar

FROM ${BUILD_IMAGE} AS build
ARG BUILD_PACKAGES=""
RUN if [ -n "$BUILD_PACKAGES" ]; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends $BUILD_PACKAGES && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -pl agent -am package

FROM runtime-base AS runtime
COPY --from=build /src/agent/target/qmp-sentinel-exec.jar /opt/qmp-sentinel/qmp-sentinel.jar
