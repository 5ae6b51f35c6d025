package dev.ballast.certificates;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.List;

/**
 * Private keys in the three PEM forms tools write: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY},
 * older openssl and certbot) and SEC1 ({@code EC PRIVATE KEY}); the last two are wrapped into PKCS#8, the only form
 * the JDK reads. Also whether a key belongs to a public key.
 */
final class PrivateKeys {

    private static final byte[] RSA_ALGORITHM = der(0x30, concat(der(0x06, new byte[] {
            0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}), new byte[] {0x05, 0x00}));
    private static final byte[] EC_PUBLIC_KEY_OID = der(0x06, new byte[] {
            0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PrivateKeys() {
    }

    /** The key of a PEM block of one of the three types. */
    static PrivateKey read(String type, byte[] der) throws InvalidCertificateException {
        byte[] pkcs8 = switch (type) {
            case "PRIVATE KEY" -> der;
            case "RSA PRIVATE KEY" -> der(0x30, concat(VERSION_0, RSA_ALGORITHM, der(0x04, der)));
            case "EC PRIVATE KEY" -> der(0x30, concat(VERSION_0,
                    der(0x30, concat(EC_PUBLIC_KEY_OID, curveOf(der))), der(0x04, der)));
            case "ENCRYPTED PRIVATE KEY" -> throw new InvalidCertificateException(
                    "the private key is encrypted; give it unencrypted (openssl pkey -in KEY -out PLAIN)");
            default -> throw new IllegalArgumentException(type);
        };
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | ClassCastException e) {
                // not this algorithm: try the next
            }
        }
        throw new InvalidCertificateException("the " + type + " block is not a private key this proxy can read"
                + " (RSA, EC or Ed25519)");
    }

    /** Whether {@code key} is the private half of {@code publicKey}: it signs, the public key verifies. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            byte[] sample = new byte[32];
            new SecureRandom().nextBytes(sample);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(sample);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(sample);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // another algorithm, another curve: not its key
        }
    }

    /** The named-curve OID of a SEC1 key: its optional {@code [0]} parameters, as a whole DER element. */
    private static byte[] curveOf(byte[] sec1) throws InvalidCertificateException {
        try {
            int[] seq = header(sec1, 0); // SEQUENCE
            int i = seq[0];
            for (int skip = 0; skip < 2; skip++) { // version INTEGER, privateKey OCTET STRING
                int[] h = header(sec1, i);
                i = h[0] + h[1];
            }
            if ((sec1[i] & 0xff) == 0xa0) {
                int[] params = header(sec1, i);
                return Arrays.copyOfRange(sec1, params[0], params[0] + params[1]);
            }
        } catch (IndexOutOfBoundsException e) {
            throw new InvalidCertificateException("the EC PRIVATE KEY block is truncated");
        }
        throw new InvalidCertificateException("the EC PRIVATE KEY block does not name its curve");
    }

    /** The offset of the content of the DER element at {@code at}, and its length. */
    private static int[] header(byte[] der, int at) {
        int length = der[at + 1] & 0xff;
        int content = at + 2;
        if (length > 0x80) {
            int bytes = length - 0x80;
            length = 0;
            for (int k = 0; k < bytes; k++) {
                length = (length << 8) | (der[content++] & 0xff);
            }
        }
        return new int[] {content, length};
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
