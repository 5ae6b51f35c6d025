package dev.ballast.sim.runtime;

import dev.ballast.observability.netty.Transports;
import dev.ballast.sim.model.Workloads;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The listening sockets of tasks that serve: one per address of the task and port it serves, as a container's server
 * listening on 0.0.0.0 answers on each of its networks. A socket that cannot be bound fails the task with the
 * bind error, as the container would exit with it.
 */
final class TaskServers {

    private final EventLoopGroup group;
    private final Map<String, List<Channel>> servers = new ConcurrentHashMap<>();
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    /**
     * Every listening socket from the moment its bind is asked for until it closes. {@link #closeAll} must reach
     * binds still under way too: one that completed after the event loop group swept its channels on shutdown would
     * stay bound for good, unserved, and the next emulator on the same address could not bind it (while clients
     * connecting to it hang).
     */
    private final Set<Channel> listening = ConcurrentHashMap.newKeySet();
    /**
     * Every connection the task servers accepted that is still open. {@link #closeAll} closes them itself: the event
     * loop group's graceful shutdown was seen to leave one (open, registered, active) on a terminated loop now and
     * then, and a client that pooled it (the JDK HttpClient's WebSocket handshake takes a pooled connection) then
     * waits forever on the next emulator at the same address.
     */
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    TaskServers(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * Listens on every address of the task and each of {@code ports} (the first is the one reported), with
     * {@code pipeline} setting up each accepted connection; reports to {@code callback} once all are bound or one
     * failed. A task without addresses serves nowhere but runs.
     */
    void start(Workloads.TaskLaunch launch, List<Integer> ports, Consumer<Channel> pipeline,
               Workloads.TaskCallback callback) {
        stopped.remove(launch.taskId());
        if (launch.addresses().isEmpty()) {
            callback.running(ports.get(0));
            return;
        }
        List<Channel> channels = new ArrayList<>();
        AtomicInteger outstanding = new AtomicInteger(launch.addresses().size() * ports.size());
        StringBuilder failure = new StringBuilder();
        for (String address : launch.addresses()) {
            for (int port : ports) {
                ChannelFuture bound = new ServerBootstrap()
                        .group(group)
                        .channel(Transports.serverChannel())
                        .childHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                connections.add(ch);
                                ch.closeFuture().addListener(f -> connections.remove(ch));
                                if (closed) {
                                    ch.close();
                                    return;
                                }
                                pipeline.accept(ch);
                            }
                        })
                        .bind(new InetSocketAddress(address, port));
                Channel listener = bound.channel();
                listening.add(listener);
                listener.closeFuture().addListener(f -> listening.remove(listener));
                if (closed) {
                    listener.close(); // closeAll ran meanwhile and may not have seen it
                }
                bound.addListener(f -> {
                    synchronized (channels) {
                        if (f.isSuccess()) {
                            channels.add(bound.channel());
                        } else if (failure.length() == 0) {
                            failure.append(bindError(address, port, f.cause()));
                        }
                    }
                    if (outstanding.decrementAndGet() == 0) {
                        finish(launch.taskId(), ports.get(0), channels, failure.toString(), callback);
                    }
                });
            }
        }
    }

    /** Go's wording ({@code listen tcp ADDR:PORT: bind: …}), with a way out when the port is a privileged one. */
    static String bindError(String address, int port, Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        String error = "listen tcp " + address + ":" + port + ": bind: " + message;
        if (port < 1024 && message.toLowerCase(Locale.ROOT).contains("permission denied")) {
            error += " (ports below 1024 need root here, since every emulated task is a real server on this machine:"
                    + " run as root, or lower net.ipv4.ip_unprivileged_port_start)";
        }
        return error;
    }

    private void finish(String taskId, int port, List<Channel> channels, String failure,
                        Workloads.TaskCallback callback) {
        if (!failure.isEmpty() || stopped.contains(taskId) || closed) {
            channels.forEach(Channel::close);
            if (!failure.isEmpty()) {
                callback.failed("task: non-zero exit (1): " + failure, 1);
            }
            return;
        }
        servers.put(taskId, List.copyOf(channels));
        callback.running(port);
    }

    /** Stops listening for the task (idempotent); connections already accepted end with their peers. */
    void stop(String taskId) {
        stopped.add(taskId);
        List<Channel> channels = servers.remove(taskId);
        if (channels != null) {
            channels.forEach(Channel::close);
        }
    }

    /** Forgets a removed task, so that the set of stopped IDs does not grow without end. */
    void forget(String taskId) {
        stopped.remove(taskId);
    }

    /** Stops every task's listening, binds still under way included, and ends every connection accepted. */
    void closeAll() {
        closed = true;
        List.copyOf(servers.keySet()).forEach(this::stop);
        // Closed from here, the close is queued behind the channel's registration and wins over its bind.
        listening.forEach(Channel::close);
        connections.forEach(Channel::close);
    }
}
