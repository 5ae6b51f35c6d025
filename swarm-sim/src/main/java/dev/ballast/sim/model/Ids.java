package dev.ballast.sim.model;

import java.util.Random;

/** Engine-shaped identifiers: 25-character base-36 swarm IDs and 64-hex container and local network IDs. */
public final class Ids {

    private static final char[] BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Random random;

    public Ids(Random random) {
        this.random = random;
    }

    public synchronized String swarmId() {
        return of(BASE36, 25);
    }

    public synchronized String hexId() {
        return of(HEX, 64);
    }

    private String of(char[] alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(out);
    }
}
