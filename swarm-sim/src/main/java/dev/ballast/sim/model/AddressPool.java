package dev.ballast.sim.model;

import java.util.BitSet;

/**
 * The addresses of one emulated overlay network: a /24 inside 127.0.0.0/8, so that every task and VIP address is a
 * real, bindable loopback address on Linux. {@code .1} is the gateway; {@code .2} to {@code .254} are handed out
 * lowest first and reused once released.
 */
public final class AddressPool {

    private final String prefix;
    private final BitSet used = new BitSet(256);

    /** The pool of network number {@code n} (0, 1, …): 127.(16 + n / 256).(n % 256).0/24. */
    public AddressPool(int n) {
        if (n < 0 || n >= 239 * 256) {
            throw new IllegalArgumentException("network number " + n + " is out of range");
        }
        this.prefix = "127." + (16 + n / 256) + "." + (n % 256) + ".";
        used.set(0);
        used.set(1);
        used.set(255);
    }

    public String subnet() {
        return prefix + "0/24";
    }

    public String gateway() {
        return prefix + "1";
    }

    /** A free address, without the prefix length. */
    public synchronized String allocate() {
        int next = used.nextClearBit(2);
        if (next > 254) {
            throw new IllegalStateException("network " + subnet() + " has no free address");
        }
        used.set(next);
        return prefix + next;
    }

    public synchronized void release(String address) {
        if (address.startsWith(prefix)) {
            used.clear(Integer.parseInt(address.substring(prefix.length())));
        }
    }
}
