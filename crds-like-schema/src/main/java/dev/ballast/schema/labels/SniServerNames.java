package dev.ballast.schema.labels;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server names of a {@code reqMode=sni} destination. Ballast matches the ClientHello's name whole or by
 * {@code *.domain}, so {@code serviceDomain} says them directly. Docker Flow's own SNI tutorial put them in
 * {@code servicePath} with {@code pathType=req_ssl_sni -i -m …}, an HAProxy fetch: an exact match ({@code -m str}, or
 * no {@code -m}) and a suffix starting with a dot ({@code -m end}) mean the same here; a prefix, substring or regular
 * expression has no such meaning and is refused, naming the label.
 */
final class SniServerNames {

    /** HAProxy's {@code req_ssl_sni} fetch with its optional {@code -i} and {@code -m METHOD} (group 1). */
    private static final Pattern SNI_FETCH =
            Pattern.compile("req[._]ssl_sni(?:\\s+-i)?(?:\\s+-m\\s+(\\w+))?(?:\\s+-i)?");

    private SniServerNames() {
    }

    /** {@code domains} (from {@code serviceDomain}), then the names {@code servicePath} gives. */
    static List<String> of(LabelParams p, int index, List<String> domains) {
        List<String> names = new ArrayList<>(domains);
        Optional<LabelParams.Value> path = p.get("servicePath", index);
        List<String> values = p.list(path).stream().filter(v -> !v.equals("/")).toList();
        if (values.isEmpty()) {
            return names; // a path of / asks for nothing, as on a TCP route
        }
        Optional<LabelParams.Value> type = p.get("pathType", index);
        Matcher fetch = SNI_FETCH.matcher(type.map(v -> v.text().trim()).orElse(""));
        if (!fetch.matches()) {
            p.error(path.get().label(), "is HTTP-only: with reqMode=sni put the server names in "
                    + p.labelName("serviceDomain", index) + " (a.example.com, *.example.com)");
            return names;
        }
        String match = fetch.group(1) == null ? "str" : fetch.group(1);
        for (String value : values) {
            if (match.equals("str")) {
                names.add(value);
            } else if (match.equals("end") && value.startsWith(".") && value.length() > 1) {
                names.add("*" + value);
            } else {
                p.error(type.get().label(), "\"" + type.get().text() + "\" with " + path.get().label() + "=\""
                        + value + "\" cannot be followed: Ballast matches whole server names or *.domain; list them "
                        + "in " + p.labelName("serviceDomain", index));
            }
        }
        return names;
    }
}
