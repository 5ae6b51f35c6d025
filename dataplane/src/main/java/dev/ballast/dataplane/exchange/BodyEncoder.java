package dev.ballast.dataplane.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one response body as it passes, part by part, into the chunks of a chunked body for the client. Each part
 * from the upstream (as it came: its chunked framing, if any, is followed by a {@link ChunkedScanner} and left out) is
 * compressed and flushed at once ({@code SYNC_FLUSH}): nothing is held back for later parts, so a streamed response
 * (server-sent events, a long report) reaches the client as the upstream sends it, and backpressure works as for an
 * uncompressed body. The upstream's trailers are dropped.
 *
 * <p>Confined to the event loop of its client connection. The {@link Deflater}s (about 256 KiB of native memory each)
 * are pooled per event loop and go back when {@link #close} is called; a connection between responses holds none.
 */
public final class BodyEncoder {

    /** At most this many idle deflaters per event loop and coding; more are ended. */
    private static final int POOLED = 8;
    private static final FastThreadLocal<ArrayDeque<Deflater>> RAW = pool();
    private static final FastThreadLocal<ArrayDeque<Deflater>> ZLIB = pool();
    private static final short CRLF = ('\r' << 8) | '\n';
    /** Room left before a chunk's data for its size line (up to 8 hex digits and CRLF). */
    private static final int SIZE_ROOM = 10;
    /** Room after a chunk's data: its CRLF, and the last chunk ({@code 0\r\n\r\n}) when it ends the body. */
    private static final int TAIL_ROOM = 7;
    private static final int MIN_CHUNK = 256;
    private static final int MAX_CHUNK = 32 * 1024;
    /** For {@link #deflate}: run until the stream has ended (the deflater ends it once finish() was called). */
    private static final int FINISH = -1;
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final ByteBuffer NO_INPUT = ByteBuffer.allocate(0);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ContentCoding coding;
    private final ByteBufAllocator alloc;
    private final ChunkedScanner chunks;
    private final ChunkedScanner.Data feed = this::feed;
    private final CRC32 crc;
    private Deflater deflater;
    private Consumer<ByteBuf> out;
    /** The chunk being filled: its data from {@link #SIZE_ROOM} on. */
    private ByteBuf chunk;
    /** How many bytes the part being compressed holds: what a new chunk's size is guessed from. */
    private int partSize;
    private boolean started;

    BodyEncoder(ContentCoding coding, int level, ByteBufAllocator alloc, boolean chunked) {
        this.coding = coding;
        this.alloc = alloc;
        this.chunks = chunked ? new ChunkedScanner() : null;
        this.crc = coding.raw() ? new CRC32() : null;
        ArrayDeque<Deflater> idle = (coding.raw() ? RAW : ZLIB).get();
        Deflater pooled = idle.poll();
        this.deflater = pooled != null ? pooled : new Deflater(level, coding.raw());
    }

    private static FastThreadLocal<ArrayDeque<Deflater>> pool() {
        return new FastThreadLocal<>() {
            @Override
            protected ArrayDeque<Deflater> initialValue() {
                return new ArrayDeque<>(POOLED);
            }

            @Override
            protected void onRemoval(ArrayDeque<Deflater> idle) {
                idle.forEach(Deflater::end); // the event loop is ending: their native memory goes now
            }
        };
    }

    /**
     * A part of the body as the upstream sent it: what it holds is compressed, and the compressed bytes so far go to
     * {@code out} as chunks. Takes {@code part} (releases it).
     */
    public void body(ByteBuf part, Consumer<ByteBuf> out) {
        this.out = out;
        try {
            long before = deflater.getBytesRead();
            take(part);
            if (deflater.getBytesRead() != before) {
                deflate(Deflater.SYNC_FLUSH);
                emit(false);
            }
        } finally {
            part.release();
            this.out = null;
        }
    }

    /** The last part of the body (possibly empty): the compressed stream ends, with the chunked body. Takes it. */
    public void last(ByteBuf part, Consumer<ByteBuf> out) {
        this.out = out;
        try {
            take(part);
            deflater.finish();
            deflate(FINISH);
            if (crc != null) {
                room(8);
                chunk.writeIntLE((int) crc.getValue()).writeIntLE((int) deflater.getBytesRead());
            }
            emit(true);
        } finally {
            part.release();
            this.out = null;
        }
        close();
    }

    /** Gives the deflater back (the body is done, or will not be finished) and drops what was not sent. */
    public void close() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
        Deflater d = deflater;
        if (d == null) {
            return;
        }
        deflater = null;
        d.reset();
        ArrayDeque<Deflater> idle = (coding.raw() ? RAW : ZLIB).get();
        if (idle.size() < POOLED) {
            idle.push(d);
        } else {
            d.end();
        }
    }

    /** Feeds the body bytes of {@code part} to the deflater (its chunk framing left out). */
    private void take(ByteBuf part) {
        partSize = part.readableBytes();
        if (chunks != null) {
            chunks.scan(part, part.readerIndex(), part.writerIndex(), feed);
        } else if (part.isReadable()) {
            feed(part, part.readerIndex(), part.readableBytes());
        }
        deflater.setInput(NO_INPUT); // keeps no reference to a buffer about to be released
    }

    private void feed(ByteBuf buf, int index, int length) {
        for (ByteBuffer nio : buf.nioBuffers(index, length)) {
            if (crc != null) {
                int position = nio.position();
                crc.update(nio);
                nio.position(position);
            }
            deflater.setInput(nio);
            deflate(Deflater.NO_FLUSH);
        }
    }

    /**
     * Runs the deflater with {@code flush} until it has taken all its input and given all that {@code flush} asks
     * ({@link #FINISH}, after {@link Deflater#finish()}: until the stream has ended), into as many chunks as that
     * takes.
     */
    private void deflate(int flush) {
        while (true) {
            room(MIN_CHUNK / 2);
            int space = chunk.writableBytes() - TAIL_ROOM;
            int at = chunk.writerIndex();
            int n = deflater.deflate(chunk.nioBuffer(at, space), flush == FINISH ? Deflater.NO_FLUSH : flush);
            chunk.writerIndex(at + n);
            if (n == space) {
                emit(false); // full: there may be more
                continue;
            }
            // not full: the input is taken and, if asked, flushed; when finishing, the stream has ended
            if (flush == FINISH ? deflater.finished() : flush == Deflater.SYNC_FLUSH || deflater.needsInput()) {
                return;
            }
        }
    }

    /** Makes sure the chunk being filled has room for {@code bytes} more data, sending it and starting another if not. */
    private void room(int bytes) {
        if (chunk != null && chunk.writableBytes() - TAIL_ROOM >= bytes) {
            return;
        }
        if (chunk != null) {
            emit(false);
        }
        // compressible text shrinks to a fraction: a quarter of the part is room enough mostly, else another chunk
        int capacity = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, partSize / 4 + 64));
        chunk = alloc.buffer(SIZE_ROOM + capacity + TAIL_ROOM);
        chunk.writerIndex(SIZE_ROOM);
        if (!started) {
            started = true;
            if (crc != null) {
                chunk.writeBytes(GZIP_HEADER);
            }
        }
    }

    /** Sends the chunk being filled, framed, if it holds data; {@code last} adds the last chunk after it. */
    private void emit(boolean last) {
        ByteBuf c = chunk;
        int size = c == null ? 0 : c.writerIndex() - SIZE_ROOM;
        if (size == 0 && !last) {
            return; // kept for the next data
        }
        chunk = null;
        if (c == null) {
            c = alloc.buffer(TAIL_ROOM).writeBytes(LAST_CHUNK);
            out.accept(c);
            return;
        }
        if (size > 0) {
            String hex = Integer.toHexString(size);
            int start = SIZE_ROOM - hex.length() - 2;
            c.setCharSequence(start, hex, StandardCharsets.US_ASCII);
            c.setShort(SIZE_ROOM - 2, CRLF);
            c.readerIndex(start);
            c.writeShort(CRLF);
        } else {
            c.readerIndex(SIZE_ROOM);
        }
        if (last) {
            c.writeBytes(LAST_CHUNK);
        }
        out.accept(c);
    }
}
