package dev.ballast.sim.runtime;

import dev.ballast.observability.netty.Transports;
import dev.ballast.sim.model.Workloads;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs emulated tasks: a whoami server on every address of a task whose image is a whoami image, nothing for other
 * images. The port is the image's (80), or {@code -port N} / {@code --port N} from the service's arguments. A port
 * that cannot be bound fails the task with the error, as the container would exit.
 */
public final class TaskRuntime implements Workloads {

    private static final Set<String> WHOAMI = Set.of("emilevauge/whoami", "traefik/whoami", "containous/whoami");

    private final EventLoopGroup group;
    private final Map<String, List<Channel>> servers = new ConcurrentHashMap<>();
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    private final Map<String, TaskFault> faults = new ConcurrentHashMap<>();
    /** service ID → "vip:port" → forwarder; touched only from {@link #virtualIps}, which the cluster serialises. */
    private final Map<String, Map<String, VipForwarder>> vips = new HashMap<>();

    public TaskRuntime(EventLoopGroup group) {
        this.group = group;
    }

    /** Whether {@code image} (with or without registry, tag or digest) is one of the whoami images. */
    static boolean isWhoami(String image) {
        String name = image.toLowerCase(Locale.ROOT);
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        if (colon > slash) {
            name = name.substring(0, colon);
        }
        for (String prefix : List.of("docker.io/", "index.docker.io/", "registry-1.docker.io/")) {
            if (name.startsWith(prefix)) {
                name = name.substring(prefix.length());
            }
        }
        return WHOAMI.contains(name);
    }

    /** {@code -port N}, {@code --port N}, {@code -port=N} or {@code --port=N}; 80 otherwise. */
    static int port(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            if ((arg.equals("-port") || arg.equals("--port")) && i + 1 < args.size()) {
                value = args.get(i + 1);
            } else if (arg.startsWith("-port=") || arg.startsWith("--port=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            }
            if (value != null) {
                try {
                    return Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return 80;
    }

    @Override
    public void start(TaskLaunch launch, TaskCallback callback) {
        stopped.remove(launch.taskId());
        if (!isWhoami(launch.image())) {
            callback.running(0);
            return;
        }
        int port = port(launch.args());
        if (port < 1 || port > 65535) {
            callback.failed("task: non-zero exit (2): invalid value for flag -port: " + launch.args(), 2);
            return;
        }
        if (launch.addresses().isEmpty()) {
            callback.running(port);
            return;
        }
        List<Channel> channels = new ArrayList<>();
        AtomicInteger outstanding = new AtomicInteger(launch.addresses().size());
        StringBuilder failure = new StringBuilder();
        for (String address : launch.addresses()) {
            ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(Transports.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                    new WhoamiHandler(launch.hostname(), launch.addresses(),
                                            () -> faults.getOrDefault(launch.taskId(), TaskFault.NONE)));
                        }
                    })
                    .bind(new InetSocketAddress(address, port));
            bound.addListener(f -> {
                synchronized (channels) {
                    if (f.isSuccess()) {
                        channels.add(bound.channel());
                    } else if (failure.length() == 0) {
                        failure.append("listen tcp ").append(address).append(':').append(port).append(": bind: ")
                                .append(f.cause().getMessage());
                    }
                }
                if (outstanding.decrementAndGet() == 0) {
                    finish(launch.taskId(), port, channels, failure.toString(), callback);
                }
            });
        }
    }

    private void finish(String taskId, int port, List<Channel> channels, String failure, TaskCallback callback) {
        if (!failure.isEmpty() || stopped.contains(taskId)) {
            channels.forEach(Channel::close);
            if (!failure.isEmpty()) {
                callback.failed("task: non-zero exit (1): " + failure, 1);
            }
            return;
        }
        servers.put(taskId, List.copyOf(channels));
        callback.running(port);
    }

    @Override
    public void stop(String taskId) {
        stopped.add(taskId);
        faults.remove(taskId);
        List<Channel> channels = servers.remove(taskId);
        if (channels != null) {
            channels.forEach(Channel::close);
        }
    }

    @Override
    public synchronized void virtualIps(String serviceId, List<VipBinding> bindings) {
        Map<String, VipForwarder> current = vips.computeIfAbsent(serviceId, k -> new HashMap<>());
        Set<String> wanted = ConcurrentHashMap.newKeySet();
        for (VipBinding binding : bindings) {
            String key = binding.vip() + ":" + binding.port();
            wanted.add(key);
            VipForwarder forwarder = current.get(key);
            if (forwarder == null) {
                current.put(key, VipForwarder.open(group, binding.vip(), binding.port(), binding.backends()));
            } else {
                forwarder.backends(binding.backends());
            }
        }
        current.entrySet().removeIf(e -> {
            if (!wanted.contains(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        if (current.isEmpty()) {
            vips.remove(serviceId);
        }
    }

    /** Makes a task's server slow or failing ({@link TaskFault#NONE} heals it). */
    public void fault(String taskId, TaskFault fault) {
        if (fault.equals(TaskFault.NONE)) {
            faults.remove(taskId);
        } else {
            faults.put(taskId, fault);
        }
    }

    /** Stops every task server and virtual IP. */
    public synchronized void close() {
        servers.keySet().forEach(this::stop);
        vips.values().forEach(m -> m.values().forEach(VipForwarder::close));
        vips.clear();
    }
}
