package smtp.milter.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Sendmail milter protocol's commands, replies and flags (libmilter's
 * mfdef.h), and the packets: a 4-byte big-endian length, a command byte, and
 * the data.
 */
final class Packets {

    private Packets() {}

    static final int VERSION = 6;

    // commands, MTA to milter
    static final char OPTNEG = 'O';
    static final char MACRO = 'D';
    static final char CONNECT = 'C';
    static final char HELO = 'H';
    static final char MAIL = 'M';
    static final char RCPT = 'R';
    static final char DATA = 'T';
    static final char HEADER = 'L';
    static final char EOH = 'N';
    static final char BODY = 'B';
    static final char BODYEOB = 'E';
    static final char ABORT = 'A';
    static final char QUIT = 'Q';
    static final char QUIT_NC = 'K';

    // replies, milter to MTA
    static final char ACCEPT = 'a';
    static final char CONTINUE = 'c';
    static final char DISCARD = 'd';
    static final char REJECT = 'r';
    static final char TEMPFAIL = 't';
    static final char REPLYCODE = 'y';
    static final char SKIP = 's';
    static final char PROGRESS = 'p';
    static final char QUARANTINE = 'q';
    static final char CONN_FAIL = 'f';
    static final char SHUTDOWN = '4';
    static final char ADDHEADER = 'h';
    static final char INSHEADER = 'i';
    static final char CHGHEADER = 'm';
    static final char CHGFROM = 'e';
    static final char ADDRCPT = '+';
    static final char ADDRCPT_PAR = '2';
    static final char DELRCPT = '-';
    static final char REPLBODY = 'b';

    // actions the MTA allows (SMFIF_*): all of them
    static final int ACTIONS = 0x1FF;

    // protocol steps (SMFIP_*)
    static final int NOCONNECT = 0x1;
    static final int NOHELO = 0x2;
    static final int NOMAIL = 0x4;
    static final int NORCPT = 0x8;
    static final int NOBODY = 0x10;
    static final int NOHDRS = 0x20;
    static final int NOEOH = 0x40;
    static final int NR_HDR = 0x80;
    static final int NOUNKNOWN = 0x100;
    static final int NODATA = 0x200;
    static final int SKIPS = 0x400;
    static final int NR_CONN = 0x1000;
    static final int NR_HELO = 0x2000;
    static final int NR_MAIL = 0x4000;
    static final int NR_RCPT = 0x8000;
    static final int NR_DATA = 0x10000;
    static final int NR_EOH = 0x40000;
    static final int NR_BODY = 0x80000;
    /** What the MTA offers: it can leave out every step and do without every reply it can do without. */
    static final int PROTOCOL = NOCONNECT | NOHELO | NOMAIL | NORCPT | NOBODY | NOHDRS | NOEOH | NR_HDR | NOUNKNOWN
            | NODATA | SKIPS | NR_CONN | NR_HELO | NR_MAIL | NR_RCPT | NR_DATA | 0x20000 | NR_EOH | NR_BODY;

    // stages of the macro lists a milter may ask for (SMFIM_*)
    static final int M_CONNECT = 0;
    static final int M_HELO = 1;
    static final int M_ENVFROM = 2;
    static final int M_ENVRCPT = 3;
    static final int M_DATA = 4;
    static final int M_EOM = 5;
    static final int M_EOH = 6;

    /** The largest body chunk in one packet. */
    static final int CHUNK = 65535;
    /** The largest packet taken from a milter. */
    static final int MAX_PACKET = 1024 * 1024;

    /** Builds a packet's data. */
    static final class Data {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);

        Data string(String text) {
            byte[] encoded = text.getBytes(StandardCharsets.UTF_8);
            bytes.write(encoded, 0, encoded.length);
            bytes.write(0);
            return this;
        }

        Data integer(int value) {
            bytes.write(value >>> 24);
            bytes.write(value >>> 16);
            bytes.write(value >>> 8);
            bytes.write(value);
            return this;
        }

        Data shortInt(int value) {
            bytes.write(value >>> 8);
            bytes.write(value);
            return this;
        }

        Data octet(int value) {
            bytes.write(value);
            return this;
        }

        Data raw(byte[] data, int offset, int length) {
            bytes.write(data, offset, length);
            return this;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** Reads a packet's data. */
    static final class Reader {
        private final byte[] data;
        private int at;

        Reader(byte[] data) {
            this.data = data;
        }

        boolean more() {
            return at < data.length;
        }

        int integer() {
            if (at + 4 > data.length) {
                throw new IllegalStateException("a reply shorter than its fields");
            }
            int value = (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8
                    | data[at + 3] & 0xff;
            at += 4;
            return value;
        }

        /** @return the next NUL-terminated string (or the rest, when no NUL ends it) */
        String string() {
            int end = at;
            while (end < data.length && data[end] != 0) {
                end++;
            }
            String text = new String(data, at, end - at, StandardCharsets.UTF_8);
            at = Math.min(data.length, end + 1);
            return text;
        }

        byte[] rest() {
            byte[] rest = java.util.Arrays.copyOfRange(data, at, data.length);
            at = data.length;
            return rest;
        }
    }
}
