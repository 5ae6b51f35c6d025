package dev.ballast.controller.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.EndpointVirtualIP;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The controller's only door to the Docker API. Every call runs as {@code Retry(CircuitBreaker(call))}: a failing
 * call is retried with jittered exponential backoff, and a breaker that sees nothing but failures stops calling for
 * a while instead of hammering a struggling manager. The event stream uses a client of its own, without a response
 * timeout, because an idle stream is normal.
 */
public final class SwarmClient implements Closeable {

    private static final AttributeKey<String> EVENT_ACTION = AttributeKey.stringKey("docker.event.action");
    private static final AttributeKey<String> SERVICE_ID = AttributeKey.stringKey("docker.service.id");
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("docker.service.name");

    private final DockerClient requests;
    private final DockerClient events;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final CallTimer timer;
    private final Tracer tracer;

    /** Told how long each call took (with its retries) and whether it failed in the end. */
    public interface CallTimer {
        void ended(String operation, boolean failed, long nanos);
    }

    public SwarmClient(String dockerHost, CallTimer timer, Tracer tracer) {
        this.timer = timer;
        this.tracer = tracer;
        this.requests = DockerClients.connect(dockerHost, Duration.ofSeconds(15));
        this.events = DockerClients.connect(dockerHost, null);
        this.retry = Retry.of("docker-api", RetryConfig.custom()
                .maxAttempts(3)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 2.0, 0.5))
                // 4xx are answers, not failures: retrying a bad request only repeats it. An open breaker refuses at
                // once; retrying would only wait out the backoff to be refused again, delaying the pass.
                .retryOnException(e -> !(e instanceof CallNotPermittedException)
                        && (!(e instanceof DockerException d) || d.getHttpStatus() >= 500))
                .failAfterMaxAttempts(true)
                .build());
        this.breaker = CircuitBreaker.of("docker-api", CircuitBreakerConfig.custom()
                .slidingWindowSize(6)
                .minimumNumberOfCalls(6)
                .failureRateThreshold(100)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    }

    /** Runs {@code call} through the retry and the breaker, timed and traced; package-private for tests. */
    <T> T call(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        Span span = tracer.spanBuilder("docker list " + operation).setSpanKind(SpanKind.CLIENT).startSpan();
        try {
            T result = Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, call)).get();
            failed = false;
            return result;
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            timer.ended(operation, failed, System.nanoTime() - start);
            span.end();
        }
    }

    /** Services, running tasks and network names, in three calls whatever the size of the swarm. */
    public SwarmState listAll() {
        List<SwarmService> services = call("services", () -> requests.listServicesCmd().exec()).stream()
                .map(SwarmClient::service).toList();
        Map<String, String> networks = new LinkedHashMap<>();
        call("networks", () -> requests.listNetworksCmd().exec()).forEach(n -> networks.put(n.getId(), n.getName()));
        return SwarmState.of(services, listRunningTasks(), networks);
    }

    /** The running tasks of every service, in one call. */
    public List<SwarmTask> listRunningTasks() {
        return call("tasks", () -> requests.listTasksCmd().withStateFilter(TaskState.RUNNING).exec()).stream()
                .filter(t -> t.getStatus() != null && t.getStatus().getState() == TaskState.RUNNING)
                .map(SwarmClient::task)
                .toList();
    }

    /**
     * Opens the {@code type=service} event stream. {@code onOpen} runs when the engine has answered, {@code onEnd} when
     * the stream ends or fails (also when it could not be opened). Each event is a span of its own ({@code docker event
     * service create}, …), handed to {@code onEvent} so that the pass it causes can link to it.
     */
    public Closeable watchServiceEvents(Runnable onOpen, Consumer<SpanContext> onEvent, Consumer<Throwable> onEnd) {
        return events.eventsCmd().withEventTypeFilter(EventType.SERVICE).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onStart(Closeable stream) {
                super.onStart(stream);
                onOpen.run();
            }

            @Override
            public void onNext(Event event) {
                onEvent.accept(eventSpan(event));
            }

            @Override
            public void onError(Throwable error) {
                onEnd.accept(error);
            }

            @Override
            public void onComplete() {
                onEnd.accept(null);
            }
        });
    }

    /** A span that stands for one event: it has no duration worth measuring, only an identity to link to. */
    private SpanContext eventSpan(Event event) {
        String action = event.getAction() == null ? "unknown" : event.getAction();
        SpanBuilder span = tracer.spanBuilder("docker event service " + action).setSpanKind(SpanKind.CONSUMER)
                .setNoParent().setAttribute(EVENT_ACTION, action);
        if (event.getActor() != null) {
            span.setAttribute(SERVICE_ID, String.valueOf(event.getActor().getId()));
            Map<String, String> attributes = event.getActor().getAttributes();
            if (attributes != null && attributes.get("name") != null) {
                span.setAttribute(SERVICE_NAME, attributes.get("name"));
            }
        }
        Span started = span.startSpan();
        started.end();
        return started.getSpanContext();
    }

    static SwarmService service(Service s) {
        ServiceSpec spec = s.getSpec();
        List<String> networks = new ArrayList<>();
        if (spec.getTaskTemplate() != null && spec.getTaskTemplate().getNetworks() != null) {
            for (NetworkAttachmentConfig n : spec.getTaskTemplate().getNetworks()) {
                networks.add(n.getTarget());
            }
        }
        Map<String, String> vips = new LinkedHashMap<>();
        if (s.getEndpoint() != null && s.getEndpoint().getVirtualIPs() != null) {
            for (EndpointVirtualIP vip : s.getEndpoint().getVirtualIPs()) {
                vips.put(vip.getNetworkID(), stripPrefix(vip.getAddr()));
            }
        }
        Long replicas = spec.getMode() != null && spec.getMode().getReplicated() != null
                ? spec.getMode().getReplicated().getReplicas() : null;
        boolean dnsrr = spec.getEndpointSpec() != null && spec.getEndpointSpec().getMode() != null
                && spec.getEndpointSpec().getMode().name().equalsIgnoreCase("DNSRR");
        return new SwarmService(s.getId(), spec.getName(), spec.getLabels() == null ? Map.of() : spec.getLabels(),
                networks, vips, replicas, dnsrr);
    }

    /** Task addresses are only in the raw JSON: docker-java's Task has no NetworksAttachments. */
    @SuppressWarnings("unchecked")
    static SwarmTask task(Task t) {
        Map<String, String> addresses = new LinkedHashMap<>();
        Object attachments = t.getRawValues().get("NetworksAttachments");
        if (attachments instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> attachment && attachment.get("Network") instanceof Map<?, ?> network
                        && attachment.get("Addresses") instanceof List<?> addrs && !addrs.isEmpty()) {
                    addresses.put(String.valueOf(((Map<String, Object>) network).get("ID")),
                            stripPrefix(String.valueOf(addrs.get(0))));
                }
            }
        }
        return new SwarmTask(t.getId(), t.getServiceId(), addresses);
    }

    private static String stripPrefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    Retry retry() {
        return retry;
    }

    /** Whether the circuit breaker currently lets calls through. */
    public String breakerState() {
        return breaker.getState().name();
    }

    @Override
    public void close() throws IOException {
        requests.close();
        events.close();
    }
}
