package dev.ballast.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address range: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or one address ({@code 192.0.2.7}, a /32 or /128).
 * An IPv4 range also contains the IPv4-mapped IPv6 forms of its addresses ({@code ::ffff:10.1.2.3}), which is how a
 * dual-stack socket reports IPv4 clients.
 *
 * @param network the range's first address, its host bits zero
 * @param prefix how many leading bits are fixed
 */
public record Cidr(InetAddress network, int prefix) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " (expected: 0-" + bits + ")");
        }
    }

    /** Parses {@code ADDRESS/PREFIX} or {@code ADDRESS}; literal addresses only, never a name lookup. */
    public static Cidr parse(String text) {
        String value = text == null ? "" : text.trim();
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        if (address.isEmpty() || !(address.indexOf(':') >= 0 || address.chars().allMatch(c -> c == '.'
                || Character.isDigit(c)))) {
            throw new IllegalArgumentException("\"" + value + "\" is not an address range (e.g. 10.0.0.0/8,"
                    + " 192.0.2.7, 2001:db8::/32)");
        }
        InetAddress network;
        try {
            network = InetAddress.getByName(address); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not an address range: " + e.getMessage());
        }
        int bits = network.getAddress().length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(value.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + value + "\": the prefix is not a number");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("\"" + value + "\": prefix /" + prefix + " (expected: 0-" + bits + ")");
        }
        try {
            return new Cidr(InetAddress.getByAddress(masked(network.getAddress(), prefix)), prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
        }
    }

    /** Whether {@code address} lies in this range. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        byte[] own = network.getAddress();
        if (bytes.length == 16 && own.length == 4 && isIpv4Mapped(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        if (bytes.length != own.length) {
            return false;
        }
        return Arrays.equals(masked(bytes, prefix), own);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }

    private static boolean isIpv4Mapped(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
    }

    private static byte[] masked(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }
}
