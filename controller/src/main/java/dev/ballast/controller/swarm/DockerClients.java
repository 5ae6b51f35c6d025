package dev.ballast.controller.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;

/** docker-java clients as Ballast uses them: the httpclient5 transport, TLS when {@code DOCKER_TLS_VERIFY=1}. */
public final class DockerClients {

    private DockerClients() {
    }

    /**
     * A client of the Engine API at {@code host} ({@code tcp://…} or {@code unix://…}).
     *
     * @param responseTimeout how long a call may wait for its answer; {@code null} for none (event streams)
     */
    public static DockerClient connect(String host, Duration responseTimeout) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .withDockerTlsVerify("1".equals(System.getenv("DOCKER_TLS_VERIFY")))
                .build();
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(8)
                .connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }
}
