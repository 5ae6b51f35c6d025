package dev.ballast.dataplane.telemetry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What a test's OTLP receiver got, by request path: the request messages, one after another. Thread-safe. */
final class ReceivedExports {

    private final Map<String, ByteArrayOutputStream> byPath = new ConcurrentHashMap<>();

    void add(String path, byte[] message) {
        ByteArrayOutputStream all = byPath.computeIfAbsent(path, k -> new ByteArrayOutputStream());
        synchronized (all) {
            all.writeBytes(message);
        }
    }

    /** Everything received on {@code path} as text: protobuf keeps the strings inside readable as they are. */
    String text(String path) {
        ByteArrayOutputStream all = byPath.get(path);
        if (all == null) {
            return "";
        }
        synchronized (all) {
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
