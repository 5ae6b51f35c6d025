package dev.ballast.observability.telemetry.otlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ballast.observability.testing.CollectedSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The encoder against the SDK's own OTLP marshaller, byte for byte, on spans made by the SDK: what a collector gets
 * from Ballast's exporter is what it would get from the SDK's.
 */
class OtlpTraceEncoderTest {

    private final CollectedSpans collected = new CollectedSpans();

    private SdkTracerProvider provider(Resource resource) {
        return SdkTracerProvider.builder()
                .setResource(resource)
                .setSpanLimits(SpanLimits.builder().setMaxNumberOfAttributes(12).setMaxNumberOfEvents(2)
                        .setMaxNumberOfLinks(1).build())
                .addSpanProcessor(SimpleSpanProcessor.create(collected)).build();
    }

    @Test
    void aProxiedRequestsSpansAreTheSdksBytes() throws IOException {
        try (SdkTracerProvider provider = provider(Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), "ballast-dataplane"))))) {
            Tracer tracer = provider.get("dev.ballast.dataplane", "0.1.0");
            SpanContext remote = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c",
                    "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.builder().put("vendor", "x1").build());
            Span server = tracer.spanBuilder("GET /http/").setSpanKind(SpanKind.SERVER)
                    .setParent(Context.root().with(Span.wrap(remote)))
                    .setAttribute("http.request.method", "GET").setAttribute("url.path", "/http/bench")
                    .setAttribute("http.response.status_code", 200L).startSpan();
            Span client = tracer.spanBuilder("GET").setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(server))
                    .setAttribute("server.address", "127.0.0.1").setAttribute("server.port", 19001L).startSpan();
            client.setStatus(StatusCode.ERROR, "upstream reset");
            client.end();
            server.end();
        }
        assertSameBytes(collected.spans());
    }

    @Test
    void everyKindOfFieldIsTheSdksBytes() throws IOException {
        try (SdkTracerProvider provider = provider(Resource.empty())) {
            Tracer tracer = provider.get("plain");
            SpanContext linked = SpanContext.create("11111111111111111111111111111111", "2222222222222222",
                    TraceFlags.getDefault(), TraceState.getDefault());
            Span span = tracer.spanBuilder("é unicode ✓ name").setSpanKind(SpanKind.CONSUMER)
                    .setNoParent()
                    .addLink(linked, Attributes.of(AttributeKey.booleanKey("first"), true))
                    .addLink(linked) // over the limit of one: counted as dropped
                    .startSpan();
            span.setAttribute(AttributeKey.stringKey("empty"), "");
            span.setAttribute(AttributeKey.longKey("zero"), 0L);
            span.setAttribute(AttributeKey.longKey("negative"), -5L);
            span.setAttribute(AttributeKey.booleanKey("no"), false);
            span.setAttribute(AttributeKey.doubleKey("ratio"), 0.25);
            span.setAttribute(AttributeKey.stringArrayKey("names"), List.of("a", "", "ü"));
            span.setAttribute(AttributeKey.longArrayKey("numbers"), List.of(1L, 0L, 300L));
            span.setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false));
            span.setAttribute(AttributeKey.doubleArrayKey("reals"), List.of(1.5, 0.0));
            span.setAttribute(AttributeKey.valueKey("structured"), Value.of(Map.of("inner", Value.of(
                    Value.of("s"), Value.of(7L), Value.of(new byte[] {1, 2, 3}), Value.of(true), Value.of(2.5)))));
            span.setAttribute(AttributeKey.stringKey("long"), "x".repeat(300)); // a length of two varint bytes
            span.addEvent("first", Attributes.of(AttributeKey.longKey("n"), 1L));
            span.addEvent("second");
            span.addEvent("third"); // over the limit of two: counted as dropped
            span.setStatus(StatusCode.OK);
            span.end();
        }
        assertSameBytes(collected.spans());
    }

    @Test
    void aBatchOfThousandsOfSpansIsTheSdksBytes() throws IOException {
        try (SdkTracerProvider provider = provider(Resource.empty())) {
            Tracer tracer = provider.get("only");
            for (int i = 0; i < 2_000; i++) {
                tracer.spanBuilder("span " + i).setAttribute("i", (long) i).startSpan().end();
            }
        }
        assertSameBytes(collected.spans());
    }

    @Test
    void spansOfTwoScopesAreGroupedByScopeInTheOrderTheyCome() throws IOException {
        try (SdkTracerProvider provider = provider(Resource.empty())) {
            provider.get("a").spanBuilder("a1").startSpan().end();
            provider.get("b").spanBuilder("b1").startSpan().end();
            provider.get("a").spanBuilder("a2").startSpan().end();
        }
        byte[] ours = encode(collected.spans());
        // the SDK groups through an IdentityHashMap, so its order of scopes is not fixed: compare each scope alone
        byte[] scopeA = encode(List.of(collected.spans().get(0), collected.spans().get(2)));
        byte[] scopeB = encode(List.of(collected.spans().get(1)));
        assertArrayEquals(sdk(List.of(collected.spans().get(0), collected.spans().get(2))), scopeA);
        assertArrayEquals(sdk(List.of(collected.spans().get(1))), scopeB);
        String text = new String(ours, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(1, count(text, "a1"), text);
        assertEquals(true, text.indexOf("a1") < text.indexOf("a2") && text.indexOf("a2") < text.indexOf("b1"), text);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    private static void assertSameBytes(List<SpanData> spans) throws IOException {
        assertArrayEquals(sdk(spans), encode(spans));
    }

    private static byte[] encode(List<SpanData> spans) {
        ProtoWriter out = new ProtoWriter(16); // small, so that growing is exercised too
        new OtlpTraceEncoder(out).encode(spans);
        return out.toByteArray();
    }

    private static byte[] sdk(List<SpanData> spans) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeBinaryTo(bytes);
        return bytes.toByteArray();
    }
}
