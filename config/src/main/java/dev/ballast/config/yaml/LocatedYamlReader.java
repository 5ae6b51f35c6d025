package dev.ballast.config.yaml;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads every document of a YAML (or JSON) text into trees that remember the line of each value.
 *
 * <p>A key that appears twice in one mapping is a syntax error here, although YAML parsers usually let the last one
 * win: in a route file a repeated {@code port:} is almost always a mistake that would otherwise go unnoticed.
 */
public final class LocatedYamlReader {

    private static final YAMLMapper MAPPER = YAMLMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern MARK = Pattern.compile("line ([0-9]+), column [0-9]+");

    private LocatedYamlReader() {
    }

    /** Every non-empty document in {@code text}, in order. */
    public static List<YamlDocument> readAll(String text) throws YamlSyntaxException {
        List<YamlDocument> documents = new ArrayList<>();
        try (JsonParser parser = MAPPER.createParser(text)) {
            int index = 0;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                Map<String, Integer> lines = new HashMap<>();
                int startLine = lineOf(parser);
                JsonNode root = readValue(parser, "", lines);
                if (!root.isNull()) {
                    documents.add(new YamlDocument(root, index, startLine, lines));
                }
                index++;
            }
        } catch (JacksonException e) {
            TokenStreamLocation location = e.getLocation();
            String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            throw new YamlSyntaxException(problemLine(message, location == null ? 0 : location.getLineNr()),
                    summary(message), e);
        }
        return documents;
    }

    private static JsonNode readValue(JsonParser parser, String pointer, Map<String, Integer> lines)
            throws YamlSyntaxException {
        lines.putIfAbsent(pointer, lineOf(parser));
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    String child = pointer + "/" + escape(name);
                    if (object.has(name)) {
                        throw new YamlSyntaxException(lineOf(parser), "duplicate key \"" + name + "\"", null);
                    }
                    lines.put(child, lineOf(parser));
                    parser.nextToken();
                    object.set(name, readValue(parser, child, lines));
                }
                return object;
            }
            case START_ARRAY: {
                ArrayNode array = NODES.arrayNode();
                int i = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(readValue(parser, pointer + "/" + i, lines));
                    i++;
                }
                return array;
            }
            case VALUE_STRING:
                return NODES.stringNode(parser.getString());
            case VALUE_NUMBER_INT:
                return switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDecimalValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new YamlSyntaxException(lineOf(parser), "unexpected " + token, null);
        }
    }

    private static int lineOf(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    /** JSON pointer escaping (RFC 6901). */
    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    /**
     * The YAML parser's own account of where the problem is ("in reader, line 5, column 9", the last such mark),
     * which is more precise than the token location for errors found at the end of a construct.
     */
    static int problemLine(String message, int fallback) {
        Matcher m = MARK.matcher(message);
        int line = fallback;
        while (m.find()) {
            line = Integer.parseInt(m.group(1));
        }
        return line;
    }

    /** The parser's sentences without its source excerpts: "while parsing a flow node: expected the node content…". */
    static String summary(String message) {
        List<String> sentences = new ArrayList<>();
        for (String line : message.split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                sentences.add(line.trim());
            }
        }
        return sentences.isEmpty() ? "not valid YAML" : String.join(": ", sentences);
    }
}
