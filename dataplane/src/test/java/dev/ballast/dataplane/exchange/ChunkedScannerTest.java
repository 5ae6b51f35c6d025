package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkedScannerTest {

    private static final String BODY = "5\r\nhello\r\n6;name=\"v\"\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    @Test
    void theEndIsFoundWhereverTheReadsCutTheBody() {
        ByteBuf buf = bytes(BODY + "HTTP/1.1 200 OK\r\n");
        try {
            for (int cut = 0; cut <= BODY.length(); cut++) {
                ChunkedScanner scanner = new ChunkedScanner();
                int first = scanner.scan(buf, 0, cut);
                int end = first >= 0 ? first : scanner.scan(buf, cut, buf.writerIndex());
                assertThat(end).as("cut at %d", cut).isEqualTo(BODY.length());
            }
            ChunkedScanner byByte = new ChunkedScanner();
            int end = -1;
            for (int i = 0; end < 0; i++) {
                end = byByte.scan(buf, i, i + 1);
            }
            assertThat(end).isEqualTo(BODY.length());
        } finally {
            buf.release();
        }
    }

    @Test
    void extensionsAndTrailersOfTheirGrammarPassAndLeadingZerosAreNoDigits() {
        ByteBuf buf = bytes("3;a=b;c\r\nabc\r\n00000000000000000002 ;q=\"x\\\"y\"\r\nde\r\n0\r\nT: 1\r\n\r\n");
        try {
            assertThat(new ChunkedScanner().scan(buf, 0, buf.writerIndex())).isEqualTo(buf.writerIndex());
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "x\\r\\n                  | a chunk size that is not a hexadecimal number",
        "5x\\r\\n                 | a chunk size that is not a hexadecimal number",
        "3\\r\\nabcd\\r\\n          | chunk data longer than its size",
        "3\\r\\nabc\\rx            | chunk data longer than its size",
        "3\\rx                   | a chunk size line not ended by CRLF",
        "1000000000000000\\r\\n   | a chunk size too large",
        "3\\nabc\\r\\n            | a chunk size line not ended by CRLF",
        "3;a\\nabc\\r\\n          | a chunk size line not ended by CRLF",
        "3\\r\\nabc\\n0\\r\\n       | chunk data not ended by CRLF",
        "0\\r\\nT: 1\\n            | a trailer line not ended by CRLF",
        "0\\r\\n\\n                | a trailer section not ended by CRLF",
        "0\\r\\n x\\r\\n            | a folded trailer line (obsolete line folding)",
        "0\\r\\nno colon\\r\\n      | a trailer line without a valid name",
        "3 \\r\\n                 | an invalid chunk extension",
        "3;\\r\\n                 | an invalid chunk extension",
        "3;a=b c\\r\\n            | an invalid chunk extension",
        "3;a=\"open\\r\\n           | an invalid chunk extension",
    })
    void brokenFramingSaysWhatIsWrong(String body, String problem) {
        ByteBuf buf = bytes(body.replace("\\r", "\r").replace("\\n", "\n"));
        try {
            assertThatThrownBy(() -> new ChunkedScanner().scan(buf, 0, buf.writerIndex()))
                    .isInstanceOf(InvalidResponseException.class).hasMessage(problem);
        } finally {
            buf.release();
        }
    }
}
