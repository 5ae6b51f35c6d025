package dev.ballast.controller.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
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
        DefaultDockerClientConfig config = config(host);
        return DockerClientImpl.getInstance(config, transport(config, responseTimeout));
    }

    /**
     * The bare Engine API transport for {@code host}, with the same TLS and timeouts as {@link #connect}: for the
     * calls docker-java has no command for (such as {@code POST /secrets/{id}/update}).
     *
     * @param responseTimeout how long a call may wait for its answer; {@code null} for none
     */
    public static DockerHttpClient http(String host, Duration responseTimeout) {
        return transport(config(host), responseTimeout);
    }

    private static DefaultDockerClientConfig config(String host) {
        return DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .withDockerTlsVerify("1".equals(System.getenv("DOCKER_TLS_VERIFY")))
                .build();
    }

    private static DockerHttpClient transport(DefaultDockerClientConfig config, Duration responseTimeout) {
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(8)
                .connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return http.build();
    }
}
