package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.http2.EchoGrpc;
import dev.ballast.dataplane.labels.LabelWalk.Answer;
import dev.ballast.schema.labels.LabelTranslation;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The labels that decide which requests reach the service, walked through a running replica. */
class RoutingLabelsWalkTest {

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(1);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks({"servicePath", "port"})
    void servicePathAndPortSendThePrefixToTheTasksPort() throws Exception {
        walk.serve("servicePath=/walk", "port={port}");
        Answer routed = walk.send("GET", "/walk/a?b=c");
        assertThat(routed.status()).isEqualTo(200);
        assertThat(routed.body()).startsWith("GET /walk/a?b=c");
        assertThat(walk.send("GET", "/elsewhere").status()).isEqualTo(404);
    }

    @Test
    @Walks("pathType")
    void pathTypePathMatchesExactly() throws Exception {
        walk.serve("servicePath=/exact", "pathType=path", "port={port}");
        assertThat(walk.send("GET", "/exact").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/exact/more").status()).isEqualTo(404);
    }

    @Test
    @Walks("servicePathExclude")
    void servicePathExcludeLeavesThosePathsOut() throws Exception {
        walk.serve("servicePath=/", "servicePathExclude=/private", "port={port}");
        assertThat(walk.send("GET", "/public").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/private/x").status()).isEqualTo(404);
    }

    @Test
    @Walks("serviceDomain")
    void serviceDomainMatchesTheHostWithoutItsPort() throws Exception {
        walk.serve("servicePath=/", "serviceDomain=walk.example", "port={port}");
        assertThat(walk.send("GET", "/", "Host: WALK.example:8080").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/", "Host: other.example").status()).isEqualTo(404);
    }

    @Test
    @Walks("serviceHeader")
    void serviceHeaderRequiresTheHeader() throws Exception {
        walk.serve("servicePath=/", "serviceHeader=X-Tenant:blue", "port={port}");
        assertThat(walk.send("GET", "/", "X-Tenant: blue").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/", "X-Tenant: red").status()).isEqualTo(404);
        assertThat(walk.send("GET", "/").status()).isEqualTo(404);
    }

    @Test
    @Walks("userAgent")
    void userAgentMatchesASubstringCaseInsensitively() throws Exception {
        walk.serve("servicePath=/", "userAgent=curl", "port={port}");
        assertThat(walk.send("GET", "/", "User-Agent: CURL/8.5").status()).isEqualTo(200);
        assertThat(walk.send("GET", "/", "User-Agent: Firefox").status()).isEqualTo(404);
    }

    @Test
    @Walks("srcPort")
    void srcPortSelectsTheListener() throws Exception {
        walk.serve("servicePath=/", "srcPort=" + walk.trafficPort(), "port={port}");
        assertThat(walk.send("GET", "/").status()).isEqualTo(200);
        walk.serve("servicePath=/", "srcPort=1", "port={port}");
        assertThat(walk.send("GET", "/").status()).isEqualTo(404);
    }

    @Test
    @Walks({"httpsPort", "srcHttpsPort"})
    void httpsPortServesTrafficArrivingOnSrcHttpsPort() throws Exception {
        // The replica's listener stands in for the HTTPS one: the extra rule applies to whatever arrives on it.
        walk.serve("servicePath=/", "httpsPort={port}", "srcHttpsPort=" + walk.trafficPort());
        assertThat(walk.send("GET", "/secure").status()).isEqualTo(200);
    }

    @Test
    @Walks("reqMode")
    void reqModeHttpRoutesTcpNeedsSrcPortAndSniNeedsServerNames() throws Exception {
        walk.serve("servicePath=/", "reqMode=http", "port={port}");
        assertThat(walk.send("GET", "/").status()).isEqualTo(200);
        LabelTranslation tcp = LabelWalk.translate("servicePath=/", "reqMode=tcp", "port=80");
        assertThat(tcp).isInstanceOfSatisfying(LabelTranslation.Invalid.class, invalid ->
                assertThat(invalid.errors()).anySatisfy(p -> assertThat(p.field()).isEqualTo("com.df.srcPort")));
        assertThat(LabelWalk.translate("reqMode=tcp", "srcPort=6379", "port=6379"))
                .isInstanceOfSatisfying(LabelTranslation.Translated.class, translated ->
                        assertThat(translated.route().spec().mode()).isEqualTo(dev.ballast.schema.RouteMode.TCP));
        assertThat(LabelWalk.translate("reqMode=sni", "serviceDomain=a.example.com", "srcPort=443", "port=443"))
                .isInstanceOfSatisfying(LabelTranslation.Translated.class, translated -> {
                    assertThat(translated.route().spec().mode()).isEqualTo(dev.ballast.schema.RouteMode.SNI);
                    assertThat(translated.route().spec().rules().get(0).hosts()).containsExactly("a.example.com");
                });
        LabelTranslation sni = LabelWalk.translate("servicePath=/", "reqMode=sni", "srcPort=443", "port=443");
        assertThat(sni).isInstanceOfSatisfying(LabelTranslation.Invalid.class, invalid ->
                assertThat(invalid.errors()).anySatisfy(p -> assertThat(p.format()).isEqualTo("com.df.serviceDomain: "
                        + "is required with reqMode=sni: the server names whose TLS connections go to the service")));
    }

    @Test
    @Walks("backendProtocol")
    void backendProtocolH2cCarriesGrpcCallsToTheService() throws Exception {
        Server grpc = EchoGrpc.startBackend(InsecureServerCredentials.create());
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", walk.trafficPort(),
                InsecureChannelCredentials.create()).build();
        try {
            walk.serve("servicePath=/test.Echo/", "port=" + grpc.getPort(), "outboundHostname=127.0.0.1",
                    "backendProtocol=h2c");
            assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, CallOptions.DEFAULT, "walked"))
                    .isEqualTo("echo:walked");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Walks("sendProxyProtocol")
    void sendProxyProtocolStartsEachTcpConnectionWithAHeaderNamingTheClient() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            walk.serve("reqMode=tcp", "srcPort=" + walk.trafficPort(), "port=" + backend.getLocalPort(),
                    "outboundHostname=127.0.0.1", "sendProxyProtocol=true");
            try (Socket client = new Socket("127.0.0.1", walk.trafficPort())) {
                client.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
                backend.setSoTimeout(10_000);
                try (Socket accepted = backend.accept()) {
                    accepted.setSoTimeout(10_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(
                            accepted.getInputStream(), StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 " + client.getLocalPort()
                            + " " + walk.trafficPort());
                    assertThat(in.readLine()).isEqualTo("hi");
                }
            }
        }
    }

    @Test
    @Walks("outboundHostname")
    void outboundHostnameReplacesTheTasks() throws Exception {
        walk.serve("servicePath=/", "outboundHostname=127.0.0.1", "port={port}");
        Answer answer = walk.send("GET", "/");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.task()).isEqualTo("127.0.0.1");
    }

    @Test
    @Walks("isDefaultBackend")
    void isDefaultBackendTakesWhatNothingElseMatches() throws Exception {
        walk.serve("servicePath=/only", "isDefaultBackend=true", "port={port}");
        assertThat(walk.send("GET", "/anything/else").status()).isEqualTo(200);
    }

    @Test
    @Walks("order")
    void orderPutsARouteBeforeAMoreSpecificOne() throws Exception {
        walk.serveAs("walk_specific", "servicePath=/api/v1", "port={port}", "addReqHeader=X-Route specific");
        walk.serveAs("walk_first", "servicePath=/api", "order=1", "port={port}", "addReqHeader=X-Route first");
        assertThat(walk.send("GET", "/api/v1/x").body()).contains("X-route: first");
    }

    @Test
    @Walks("shortName")
    void shortNameDropsTheStackPrefixFromTheRouteName() throws Exception {
        assertThat(walk.serve("servicePath=/", "shortName=true", "port={port}").name()).isEqualTo("svc");
        assertThat(walk.send("GET", "/").status()).isEqualTo(200);
        Answer config = walk.admin("/v1/docker-flow-proxy/config");
        assertThat(config.body()).contains("\"metadata\":{\"name\":\"svc\"}");
    }
}
