package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;

/** Who an upstream connection reports to while it is leased: the exchange relay of one client connection. */
interface UpstreamListener {

    /** A part of the response, as {@link ResponseReader} hands it on: a head, body bytes, the end. */
    void onResponse(Channel upstream, Object part);

    /** The upstream has no more to give for now. */
    void onUpstreamReadComplete();

    /** A server timeout's worth of silence from the upstream. */
    void onUpstreamIdle(Channel upstream);

    /** The connection failed or was closed. */
    void onUpstreamFailure(Channel upstream, Throwable cause);
}
