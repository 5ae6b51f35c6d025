package dev.ballast.sim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImagesTest {

    @ParameterizedTest
    @ValueSource(strings = {"emilevauge/whoami", "traefik/whoami:v1.10", "containous/whoami@sha256:abc",
            "docker.io/traefik/whoami:latest", "TRAEFIK/WHOAMI"})
    void whoamiImages(String image) {
        assertThat(Images.isWhoami(image)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nginx", "whoami", "evil/whoami", "traefik/whoami-ng", "vfarcic/docker-flow-proxy"})
    void otherImages(String image) {
        assertThat(Images.isWhoami(image)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"nginx, nginx", "docker.io/library/nginx:1.25, nginx", "library/redis:alpine, redis",
            "Sebmoule/Vote_Vote@sha256:abc, sebmoule/vote_vote", "registry.example.com:5000/team/app:1, "
            + "registry.example.com:5000/team/app"})
    void repositories(String image, String repository) {
        assertThat(Images.repository(image)).isEqualTo(repository);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"'' | 80", "-port 8080 | 8080", "--port 9000 | 9000", "--port=81 | 81",
            "-port=82 | 82", "-verbose --port 83 | 83", "--port x | -1"})
    void ports(String args, int port) {
        assertThat(Images.whoamiPort(args.isBlank() ? List.of() : List.of(args.split(" ")))).isEqualTo(port);
    }
}
