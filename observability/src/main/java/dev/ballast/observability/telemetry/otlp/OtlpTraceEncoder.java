package dev.ballast.observability.telemetry.otlp;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Spans as an OTLP {@code ExportTraceServiceRequest} (opentelemetry-proto, {@code trace/v1}), the same bytes the SDK's
 * own marshaller writes for them: spans grouped by resource, then by instrumentation scope, in the order they come;
 * proto3 rules (default values left out); span flags carrying whether the parent is remote. Field numbers are the
 * proto's, named where they are written.
 */
final class OtlpTraceEncoder {

    private static final int HAS_IS_REMOTE = 0x100;
    private static final int IS_REMOTE = 0x200;
    /** Room for the length of the messages that hold a whole batch: 3 bytes, up to 2 MiB (512 spans take ~110 KiB). */
    private static final int BATCH_LENGTH_BYTES = 3;

    private final ProtoWriter out;

    OtlpTraceEncoder(ProtoWriter out) {
        this.out = out;
    }

    /** Writes the request for {@code spans} after whatever {@link ProtoWriter} holds (callers clear it first). */
    void encode(Collection<SpanData> spans) {
        for (Group<Resource, Group<InstrumentationScopeInfo, SpanData>> resource : group(spans)) {
            int resourceSpans = out.beginMessage(1, BATCH_LENGTH_BYTES); // ExportTraceServiceRequest.resource_spans
            int resourceMark = out.beginMessage(1); // ResourceSpans.resource
            attributes(1, resource.key.getAttributes()); // Resource.attributes
            out.endMessage(resourceMark);
            for (Group<InstrumentationScopeInfo, SpanData> scope : resource.members) {
                int scopeSpans = out.beginMessage(2, BATCH_LENGTH_BYTES); // ResourceSpans.scope_spans
                scope(scope.key);
                for (SpanData span : scope.members) {
                    span(span);
                }
                out.string(3, scope.key.getSchemaUrl()); // ScopeSpans.schema_url
                out.endMessage(scopeSpans);
            }
            out.string(3, resource.key.getSchemaUrl()); // ResourceSpans.schema_url
            out.endMessage(resourceSpans);
        }
    }

    private void scope(InstrumentationScopeInfo scope) {
        int mark = out.beginMessage(1); // ScopeSpans.scope
        out.string(1, scope.getName());
        out.string(2, scope.getVersion());
        attributes(3, scope.getAttributes());
        out.endMessage(mark);
    }

    private void span(SpanData span) {
        int mark = out.beginMessage(2, 2); // ScopeSpans.spans: 128 bytes to 16 KiB
        out.hexAsBytes(1, span.getTraceId());
        out.hexAsBytes(2, span.getSpanId());
        out.string(3, traceState(span.getSpanContext().getTraceState()));
        SpanContext parent = span.getParentSpanContext();
        out.hexAsBytes(4, parent.isValid() ? parent.getSpanId() : null);
        out.string(5, span.getName());
        out.uint64(6, kind(span.getKind()));
        out.fixed64(7, span.getStartEpochNanos());
        out.fixed64(8, span.getEndEpochNanos());
        attributes(9, span.getAttributes());
        out.uint64(10, span.getTotalAttributeCount() - span.getAttributes().size());
        for (EventData event : span.getEvents()) {
            event(event);
        }
        out.uint64(12, span.getTotalRecordedEvents() - span.getEvents().size());
        for (LinkData link : span.getLinks()) {
            link(link);
        }
        out.uint64(14, span.getTotalRecordedLinks() - span.getLinks().size());
        status(span.getStatus());
        out.fixed32(16, flags(span.getSpanContext(), parent.isRemote()));
        out.endMessage(mark);
    }

    private void event(EventData event) {
        int mark = out.beginMessage(11); // Span.events
        out.fixed64(1, event.getEpochNanos());
        out.string(2, event.getName());
        attributes(3, event.getAttributes());
        out.uint64(4, event.getTotalAttributeCount() - event.getAttributes().size());
        out.endMessage(mark);
    }

    private void link(LinkData link) {
        SpanContext linked = link.getSpanContext();
        int mark = out.beginMessage(13); // Span.links
        out.hexAsBytes(1, linked.getTraceId());
        out.hexAsBytes(2, linked.getSpanId());
        out.string(3, traceState(linked.getTraceState()));
        attributes(4, link.getAttributes());
        out.uint64(5, link.getTotalAttributeCount() - link.getAttributes().size());
        out.fixed32(6, flags(linked, linked.isRemote()));
        out.endMessage(mark);
    }

    private void status(StatusData status) {
        int mark = out.beginMessage(15); // Span.status
        out.string(2, status.getDescription());
        out.uint64(3, status.getStatusCode().ordinal()); // UNSET 0, OK 1, ERROR 2: the proto's numbers
        out.endMessage(mark);
    }

    private void attributes(int field, Attributes attributes) {
        attributes.forEach((key, value) -> {
            int mark = out.beginMessage(field);
            out.string(1, key.getKey()); // KeyValue.key
            int valueMark = out.beginMessage(2); // KeyValue.value
            anyValue(value);
            out.endMessage(valueMark);
            out.endMessage(mark);
        });
    }

    /**
     * The inside of an {@code AnyValue}: exactly one member of its oneof, written even when it is a default. Takes an
     * attribute's value as the API holds it (a scalar, a list of scalars, a {@link Value}) or a {@link Value}'s own.
     */
    private void anyValue(Object value) {
        if (value instanceof String text) {
            out.stringAlways(1, text);
        } else if (value instanceof Boolean flag) {
            out.int64Always(2, flag ? 1 : 0);
        } else if (value instanceof Long number) {
            out.int64Always(3, number);
        } else if (value instanceof Double number) {
            out.fixed64Always(4, Double.doubleToRawLongBits(number));
        } else if (value instanceof List<?> elements) {
            int array = out.beginMessage(5);
            for (Object element : elements) {
                int item = out.beginMessage(1); // ArrayValue.values
                anyValue(element);
                out.endMessage(item);
            }
            out.endMessage(array);
        } else if (value instanceof Value<?> structured) {
            structured(structured);
        }
    }

    /** A {@link Value}: what is not a scalar or an array (a key-value list, bytes, empty) is written here. */
    private void structured(Value<?> value) {
        switch (value.getType()) {
            case KEY_VALUE_LIST -> {
                int list = out.beginMessage(6);
                for (Object element : (List<?>) value.getValue()) {
                    KeyValue entry = (KeyValue) element;
                    int pair = out.beginMessage(1); // KeyValueList.values
                    out.string(1, entry.getKey());
                    int inner = out.beginMessage(2);
                    anyValue(entry.getValue());
                    out.endMessage(inner);
                    out.endMessage(pair);
                }
                out.endMessage(list);
            }
            case BYTES -> {
                ByteBuffer buffer = ((ByteBuffer) value.getValue()).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                out.bytesAlways(7, bytes);
            }
            case EMPTY -> { } // an AnyValue with no member set is the empty value
            default -> anyValue(value.getValue()); // a scalar, or a list of values
        }
    }

    private static int flags(SpanContext context, boolean remote) {
        return (context.getTraceFlags().asByte() & 0xFF) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
    }

    private static int kind(SpanKind kind) {
        return switch (kind) {
            case INTERNAL -> 1;
            case SERVER -> 2;
            case CLIENT -> 3;
            case PRODUCER -> 4;
            case CONSUMER -> 5;
        };
    }

    /** The W3C {@code tracestate} header's form: {@code key=value} members joined by commas, in their order. */
    private static String traceState(TraceState state) {
        if (state.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        state.forEach((key, value) -> {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(key).append('=').append(value);
        });
        return text.toString();
    }

    /** Spans by resource, then by scope, in order of first appearance; compared by identity, as the SDK shares them. */
    private static List<Group<Resource, Group<InstrumentationScopeInfo, SpanData>>> group(Collection<SpanData> spans) {
        List<Group<Resource, Group<InstrumentationScopeInfo, SpanData>>> resources = new ArrayList<>(1);
        Group<Resource, Group<InstrumentationScopeInfo, SpanData>> lastResource = null;
        Group<InstrumentationScopeInfo, SpanData> lastScope = null;
        for (SpanData span : spans) {
            if (lastScope == null || lastResource.key != span.getResource()
                    || lastScope.key != span.getInstrumentationScopeInfo()) {
                lastResource = Group.of(resources, span.getResource());
                lastScope = Group.of(lastResource.members, span.getInstrumentationScopeInfo());
            }
            lastScope.members.add(span);
        }
        return resources;
    }

    /** Members that share one key (a resource, a scope). */
    private record Group<K, M>(K key, List<M> members) {

        /** The group of {@code key} in {@code groups}, added at the end when there is none yet. */
        static <K, M> Group<K, M> of(List<Group<K, M>> groups, K key) {
            for (Group<K, M> group : groups) {
                if (group.key == key) {
                    return group;
                }
            }
            Group<K, M> added = new Group<>(key, new ArrayList<>());
            groups.add(added);
            return added;
        }
    }
}
