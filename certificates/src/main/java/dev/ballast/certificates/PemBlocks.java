package dev.ballast.certificates;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code -----BEGIN TYPE-----} blocks of PEM text, in order, decoded. Anything between blocks is ignored. */
final class PemBlocks {

    /** One decoded block. */
    record Block(String type, byte[] der) {
    }

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----");

    private PemBlocks() {
    }

    static List<Block> read(String pem) throws InvalidCertificateException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (!type.equals(m.group(3))) {
                throw new InvalidCertificateException("PEM block " + (blocks.size() + 1) + ": BEGIN " + type
                        + " ends with END " + m.group(3));
            }
            try {
                // Line breaks are the only thing besides base64 that PEM allows; the MIME decoder would also skip
                // any other character silently and decode whatever is left into a wrong certificate.
                blocks.add(new Block(type, Base64.getDecoder().decode(WHITESPACE.matcher(m.group(2)).replaceAll(""))));
            } catch (IllegalArgumentException e) {
                throw new InvalidCertificateException("PEM block " + (blocks.size() + 1) + " (" + type
                        + ") is not valid base64: " + e.getMessage());
            }
        }
        return blocks;
    }
}
