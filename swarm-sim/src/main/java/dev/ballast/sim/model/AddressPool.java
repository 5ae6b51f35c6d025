package dev.ballast.sim.model;

import java.util.BitSet;

/**
 * The addresses of one emulated overlay network: a /24 inside the emulator's address block (a /16 of 127.0.0.0/8),
 * so that every task and VIP address is a real, bindable loopback address on Linux. {@code .1} is the gateway;
 * {@code .2} to {@code .254} are handed out lowest first and reused once released.
 */
public final class AddressPool {

    /** Networks per block: 127.B.0.0/24 to 127.B.254.0/24; 127.B.255.0/24 is kept for the block's claim. */
    public static final int NETWORKS_PER_BLOCK = 255;

    private final String prefix;
    private final BitSet used = new BitSet(256);

    /** The pool of network number {@code n} (0, 1, …) in address block {@code block}: 127.block.n.0/24. */
    public AddressPool(int block, int n) {
        if (block < 1 || block > 254) {
            throw new IllegalArgumentException("address block " + block + " is out of range (1-254)");
        }
        if (n < 0 || n >= NETWORKS_PER_BLOCK) {
            throw new IllegalArgumentException("network number " + n + " is out of range: the address block 127."
                    + block + ".0.0/16 holds " + NETWORKS_PER_BLOCK + " networks");
        }
        this.prefix = "127." + block + "." + n + ".";
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
