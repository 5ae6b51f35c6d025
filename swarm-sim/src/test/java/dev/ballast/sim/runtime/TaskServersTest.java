package dev.ballast.sim.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.BindException;
import org.junit.jupiter.api.Test;

class TaskServersTest {

    @Test
    void aPrivilegedPortThatCannotBeBoundSaysWhy() {
        assertThat(TaskServers.bindError("127.16.2.3", 80, new BindException("Permission denied")))
                .startsWith("listen tcp 127.16.2.3:80: bind: Permission denied (ports below 1024 need root here")
                .contains("net.ipv4.ip_unprivileged_port_start");
        assertThat(TaskServers.bindError("127.16.2.3", 8080, new BindException("Address already in use")))
                .isEqualTo("listen tcp 127.16.2.3:8080: bind: Address already in use");
    }

    @Test
    void standInPortsComeFromTheLabelsThenTheImage() {
        StandInPorts labelled = StandInPorts.of("nginx", java.util.Map.of("com.df.port", "8080",
                "com.df.port.1", "8080", "com.df.port.2", "9090"));
        assertThat(labelled.ports()).containsExactly(8080, 9090);
        assertThat(StandInPorts.of("nginx:1.25", java.util.Map.of()).ports()).containsExactly(80);
        StandInPorts bad = StandInPorts.of("example/app", java.util.Map.of("com.df.port", "70000"));
        assertThat(bad.ports()).isEmpty();
        assertThat(bad.problems()).containsExactly("com.df.port: \"70000\" is not a port (1-65535)");
    }
}
