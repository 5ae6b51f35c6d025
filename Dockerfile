# One image for both roles: `controller` and `dataplane` are subcommands of the same jar.
#   docker build -t ballast .
# The stack file stacks/proxy.yml runs it on a swarm.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The poms first, so that dependency downloads stay cached while only sources change.
COPY pom.xml .
COPY config/pom.xml config/
COPY crds-like-schema/pom.xml crds-like-schema/
COPY observability/pom.xml observability/
COPY swarm-sim/pom.xml swarm-sim/
COPY controller/pom.xml controller/
COPY dataplane/pom.xml dataplane/
COPY dist/pom.xml dist/
RUN mvn -B -q dependency:go-offline -DexcludeReactor=true || true
COPY . .
RUN mvn -B -q package -DskipTests

# Built for Java 17, run on 25: its generational ZGC keeps collection pauses under a tenth of a millisecond where
# Java 17's ParallelGC pauses the event loops for 3-16 ms, which is the p99 of a busy replica (bench/README.md,
# allocation.sh: p99 at 10,000 req/s 1.11x HAProxy's against 1.39x; it costs ~150 MiB more resident memory).
FROM eclipse-temurin:25-jre
# curl for the HEALTHCHECK; a system user that owns the state directory (a named volume mounted there inherits it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/ballast --create-home ballast \
 && install -d -o ballast -g ballast /var/lib/ballast/state
COPY --from=build /src/dist/target/ballast.jar /opt/ballast/ballast.jar
COPY --from=build /src/dist/examples /opt/ballast/examples
# An ahead-of-time cache (classes loaded and linked) from a training run of the dataplane, stopped by SIGTERM as
# `docker stop` would, under the options the image runs with (a cache made under others is refused with an error
# line): on our machines the dataplane's start line comes ~0.8 s sooner with it.
RUN timeout 20 java -XX:+UseZGC --enable-native-access=ALL-UNNAMED -XX:AOTCacheOutput=/opt/ballast/ballast.aot \
      -jar /opt/ballast/ballast.jar dataplane \
      --routes /opt/ballast/examples --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 > /dev/null 2>&1; \
    test -s /opt/ballast/ballast.aot
USER ballast
WORKDIR /var/lib/ballast
# 80: traffic; 8081: a dataplane's admin listener; 8080: the controller's API. Binding 80 as a non-root user works
# because Docker (20.10 and later) lets containers bind low ports (net.ipv4.ip_unprivileged_port_start=0).
EXPOSE 80 443 8080 8081
# Ready means: a dataplane has a snapshot in force; a controller has synced its sources once; and no event loop of
# either is stalled (a replica whose loop is blocked gets no traffic and is replaced). The controller sets
# BALLAST_HEALTH_PORT=8080 (its API port); a dataplane's admin port is 8081.
ENV BALLAST_HEALTH_PORT=8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${BALLAST_HEALTH_PORT}/readyz" > /dev/null || exit 1
# --enable-native-access: Netty loads its native transports (io_uring, epoll) and BoringSSL, which Java 25 would
# otherwise warn about at every start.
ENTRYPOINT ["java", "-XX:AOTCache=/opt/ballast/ballast.aot", "-XX:+UseZGC", "--enable-native-access=ALL-UNNAMED", \
            "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/ballast/ballast.jar"]
CMD ["--help"]
