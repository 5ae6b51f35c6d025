package dev.ballast.dataplane.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SHA-512 crypt ({@code $6$}), as {@code mkpasswd -m sha-512} and glibc's {@code crypt(3)} make it, following Ulrich
 * Drepper's "Unix crypt using SHA-256 and SHA-512" specification: 5000 rounds unless {@code rounds=N} says otherwise
 * (clamped to 1000…999999999), a salt of at most 16 characters, and the result in crypt's base-64 alphabet.
 */
public final class Sha512Crypt {

    private static final String ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern HASH = Pattern.compile("^\\$6\\$(?:rounds=([0-9]+)\\$)?([^$]{0,16})[^$]*\\$([./0-9A-Za-z]{86})$");
    private static final int DEFAULT_ROUNDS = 5000;

    /** The byte order in which the 64 digest bytes are encoded, three at a time. */
    private static final int[][] ORDER = {{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
        {47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54},
        {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
        {62, 20, 41}};

    private Sha512Crypt() {
    }

    /** Whether {@code text} has the form of a SHA-512 crypt hash ({@code $6$[rounds=N$]salt$…}). */
    public static boolean isHash(String text) {
        return HASH.matcher(text).matches();
    }

    /** Whether {@code password} matches {@code hash} ({@code $6$[rounds=N$]salt$…}); false for anything else. */
    public static boolean matches(String password, String hash) {
        Matcher m = HASH.matcher(hash);
        if (!m.matches()) {
            return false;
        }
        Optional<Integer> rounds = Optional.empty();
        if (m.group(1) != null) {
            try {
                rounds = Optional.of(Integer.parseInt(m.group(1)));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        String computed = crypt(password, m.group(2), rounds);
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
    }

    /** The crypt string of {@code password} with {@code salt} (at most 16 characters are used). */
    public static String crypt(String password, String salt, Optional<Integer> rounds) {
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        byte[] s = salt.substring(0, Math.min(16, salt.length())).getBytes(StandardCharsets.UTF_8);
        int n = rounds.map(r -> Math.max(1000, Math.min(999_999_999, r))).orElse(DEFAULT_ROUNDS);

        MessageDigest alternate = sha512();
        alternate.update(key);
        alternate.update(s);
        alternate.update(key);
        byte[] b = alternate.digest();

        MessageDigest main = sha512();
        main.update(key);
        main.update(s);
        repeat(main, b, key.length);
        for (int length = key.length; length > 0; length >>= 1) {
            main.update((length & 1) != 0 ? b : key);
        }
        byte[] a = main.digest();

        MessageDigest pd = sha512();
        for (int i = 0; i < key.length; i++) {
            pd.update(key);
        }
        byte[] p = sequence(pd.digest(), key.length);

        MessageDigest sd = sha512();
        for (int i = 0; i < 16 + (a[0] & 0xff); i++) {
            sd.update(s);
        }
        byte[] sBytes = sequence(sd.digest(), s.length);

        for (int i = 0; i < n; i++) {
            MessageDigest c = sha512();
            c.update((i & 1) != 0 ? p : a);
            if (i % 3 != 0) {
                c.update(sBytes);
            }
            if (i % 7 != 0) {
                c.update(p);
            }
            c.update((i & 1) != 0 ? a : p);
            a = c.digest();
        }

        StringBuilder out = new StringBuilder("$6$");
        if (rounds.isPresent()) {
            out.append("rounds=").append(n).append('$');
        }
        out.append(new String(s, StandardCharsets.UTF_8)).append('$');
        for (int[] group : ORDER) {
            encode(out, a[group[0]], a[group[1]], a[group[2]], 4);
        }
        encode(out, (byte) 0, (byte) 0, a[63], 2);
        return out.toString();
    }

    /** Adds {@code block} to the digest until {@code length} bytes were added. */
    private static void repeat(MessageDigest digest, byte[] block, int length) {
        int left = length;
        for (; left > block.length; left -= block.length) {
            digest.update(block);
        }
        digest.update(block, 0, left);
    }

    /** {@code block} repeated to {@code length} bytes. */
    private static byte[] sequence(byte[] block, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = block[i % block.length];
        }
        return out;
    }

    private static void encode(StringBuilder out, byte b2, byte b1, byte b0, int chars) {
        int w = ((b2 & 0xff) << 16) | ((b1 & 0xff) << 8) | (b0 & 0xff);
        for (int i = 0; i < chars; i++) {
            out.append(ALPHABET.charAt(w & 0x3f));
            w >>>= 6;
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-512", e);
        }
    }
}
