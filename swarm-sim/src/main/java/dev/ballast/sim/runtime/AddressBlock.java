package dev.ballast.sim.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The /16 of 127.0.0.0/8 that one emulator's networks, tasks and virtual IPs live in, held for as long as the
 * emulator runs. Two emulators on one machine (two test JVMs, a test beside {@code ballast demo}) that shared a block
 * would hand out the same addresses and fight over their ports. The claim is a listening socket on 127.B.255.254
 * (outside every network's /24): the kernel lets only one process hold it and frees it when the process dies, so no
 * lock file can go stale.
 */
public final class AddressBlock implements AutoCloseable {

    /** The block of {@code ballast sim} and {@code ballast demo}, whose addresses the README shows. */
    public static final int DOCUMENTED = 16;
    /** Blocks picked automatically start after the documented one, so a test never takes the demo's. */
    static final int FIRST_AUTOMATIC = 17;
    static final int LAST = 254;
    /** Swarm's cluster-management port, which the emulator never serves on a task address. */
    static final int CLAIM_PORT = 2377;

    private final int block;
    private final ServerSocket claim;

    private AddressBlock(int block, ServerSocket claim) {
        this.block = block;
        this.claim = claim;
    }

    /** Claims exactly {@code block}, or says who holds it. */
    public static AddressBlock claim(int block) {
        if (block < 1 || block > LAST) {
            throw new IllegalArgumentException("address block " + block + " is out of range (1-" + LAST + ")");
        }
        ServerSocket socket = tryClaim(block);
        if (socket == null) {
            throw new IllegalStateException("the address block " + cidr(block) + " is in use by another emulator on "
                    + "this machine (it holds " + claimAddress(block) + ":" + CLAIM_PORT + "); stop it, or let this "
                    + "one pick a free block");
        }
        return new AddressBlock(block, socket);
    }

    /** Claims the first free block after the documented one. */
    public static AddressBlock any() {
        for (int block = FIRST_AUTOMATIC; block <= LAST; block++) {
            ServerSocket socket = tryClaim(block);
            if (socket != null) {
                return new AddressBlock(block, socket);
            }
        }
        throw new IllegalStateException("every address block from " + cidr(FIRST_AUTOMATIC) + " to " + cidr(LAST)
                + " is in use by another emulator on this machine");
    }

    private static ServerSocket tryClaim(int block) {
        ServerSocket socket = null;
        try {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(claimAddress(block), CLAIM_PORT), 1);
            return socket;
        } catch (BindException e) {
            closeQuietly(socket);
            return null;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("cannot claim the address block " + cidr(block) + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // it never listened: nothing to give back
            }
        }
    }

    static String claimAddress(int block) {
        return "127." + block + ".255.254";
    }

    static String cidr(int block) {
        return "127." + block + ".0.0/16";
    }

    /** B of 127.B.0.0/16. */
    public int block() {
        return block;
    }

    @Override
    public String toString() {
        return cidr(block);
    }

    @Override
    public void close() {
        closeQuietly(claim);
    }
}
