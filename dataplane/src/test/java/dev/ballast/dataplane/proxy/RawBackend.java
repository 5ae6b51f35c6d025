package dev.ballast.dataplane.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A backend that speaks HTTP byte by byte, as the test writes it: a loopback listener whose connections are each served
 * by {@code connection} on a thread of their own (closed when it returns). For backends no HTTP library would play:
 * hostile, scripted or strict ones.
 */
final class RawBackend implements AutoCloseable {

    /** Serves one accepted connection; an {@link IOException} (the proxy closed it, say) ends it quietly. */
    interface Connection {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket listener;

    private RawBackend(String name, Connection connection) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> accept(name, connection), name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static RawBackend start(String name, Connection connection) throws IOException {
        return new RawBackend(name, connection);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept(String name, Connection connection) {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                Thread thread = new Thread(() -> {
                    try (socket) {
                        connection.serve(socket);
                    } catch (IOException gone) {
                        // the proxy closed the connection
                    }
                }, name + "-connection");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** A request or response head, up to and without its blank line; null at the end of the stream. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
