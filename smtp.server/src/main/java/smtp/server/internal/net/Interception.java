package smtp.server.internal.net;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Deque;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * What a firewall's interception leaves on a connection (Linux), through JNA:
 * the destination the client meant to reach before an nftables or iptables
 * {@code REDIRECT} or {@code DNAT} sent it here ({@code SO_ORIGINAL_DST}, from
 * connection tracking), and the {@code IP_TRANSPARENT} option that lets a
 * listening socket take connections a {@code TPROXY} rule hands it for
 * addresses that are not its own. Java has no API for either.
 * <p>
 * The sockets' file descriptors are read through {@code sun.nio.ch.SelChImpl},
 * which the JVM option {@value #JVM_OPTION} makes readable.
 */
public final class Interception {

    /** The JVM option an intercepting binding needs. */
    public static final String JVM_OPTION = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    /** {@code SO_ORIGINAL_DST} (linux/netfilter_ipv4.h), and {@code IP6T_SO_ORIGINAL_DST}: both 80. */
    private static final int SO_ORIGINAL_DST = 80;
    private static final int IP_TRANSPARENT = 19;
    private static final int IPV6_TRANSPARENT = 75;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** The C library's socket options. */
    interface C extends Library {
        int getsockopt(int fd, int level, int name, byte[] value, IntByReference length) throws LastErrorException;

        int setsockopt(int fd, int level, int name, IntByReference value, int length) throws LastErrorException;
    }

    private static volatile C libc;

    private Interception() {}

    /**
     * Checks that interception can work here, so that a binding that needs it fails at once with the reason.
     *
     * @throws IllegalStateException naming what is missing: Linux, the JNA bundle, the JVM option
     */
    public static void check() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            throw new IllegalStateException("intercepting needs Linux (SO_ORIGINAL_DST, IP_TRANSPARENT)");
        }
        try {
            libc();
        } catch (LinkageError e) {
            throw new IllegalStateException("intercepting needs JNA (the bundle com.sun.jna, net.java.dev.jna:jna): " + e);
        }
        try (SocketChannel probe = SocketChannel.open()) {
            fd(probe);
        } catch (IOException e) {
            throw new IllegalStateException("intercepting: " + e.getMessage());
        }
    }

    private static C libc() {
        C loaded = libc;
        if (loaded == null) {
            loaded = Native.load("c", C.class);
            libc = loaded;
        }
        return loaded;
    }

    /**
     * Makes a listening socket transparent, before it is bound: it then takes connections that a {@code TPROXY}
     * rule hands it for any address. Needs the {@code CAP_NET_ADMIN} capability.
     */
    public static void makeTransparent(ServerSocketChannel channel, boolean ipv6) throws IOException {
        IntByReference on = new IntByReference(1);
        try {
            libc().setsockopt(fd(channel), ipv6 ? SOL_IPV6 : SOL_IP, ipv6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, on, 4);
        } catch (LastErrorException e) {
            throw new IOException("cannot make the socket transparent for TPROXY (errno " + e.getErrorCode() + ", "
                    + (e.getErrorCode() == 1 ? "the process needs CAP_NET_ADMIN" : e.getMessage()) + ")");
        }
    }

    /**
     * @return the address and port the client of a connection that a {@code REDIRECT} or {@code DNAT} rule sent here
     *         meant to reach; for a connection no rule changed, its own local address
     * @throws IOException if connection tracking knows nothing of the connection
     */
    public static InetSocketAddress originalDestination(SocketChannel channel) throws IOException {
        boolean ipv6 = channel.socket().getLocalAddress() instanceof Inet6Address
                && !isMappedV4((Inet6Address) channel.socket().getLocalAddress());
        byte[] value = new byte[ipv6 ? 28 : 16];
        IntByReference length = new IntByReference(value.length);
        try {
            libc().getsockopt(fd(channel), ipv6 ? SOL_IPV6 : SOL_IP, SO_ORIGINAL_DST, value, length);
        } catch (LastErrorException e) {
            throw new IOException("no original destination (errno " + e.getErrorCode() + "): the connection was not "
                    + "redirected, or connection tracking is off");
        }
        int family = (value[0] & 0xff) | (value[1] & 0xff) << 8; // sa_family, host order (little-endian here)
        int port = (value[2] & 0xff) << 8 | (value[3] & 0xff); // network order
        byte[] address;
        if (family == AF_INET) {
            address = new byte[] {value[4], value[5], value[6], value[7]};
        } else if (family == AF_INET6) {
            address = new byte[16];
            System.arraycopy(value, 8, address, 0, 16);
        } else {
            throw new IOException("no original destination: address family " + family);
        }
        return new InetSocketAddress(InetAddress.getByAddress(address), port);
    }

    private static boolean isMappedV4(Inet6Address address) {
        byte[] bytes = address.getAddress();
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /**
     * @return whether the address and port are this host's own endpoint: a connection made straight to the
     *         intercepting port, not intercepted on its way elsewhere
     */
    public static boolean isOwn(InetSocketAddress destination, int port) {
        if (destination.getPort() != port) {
            return false;
        }
        InetAddress address = destination.getAddress();
        try {
            return address.isAnyLocalAddress() || address.isLoopbackAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** @return the file descriptor of a channel of the JDK's socket implementation */
    private static int fd(Channel channel) throws IOException {
        Deque<Class<?>> types = new ArrayDeque<>();
        types.add(channel.getClass());
        while (!types.isEmpty()) {
            Class<?> type = types.poll();
            if (type.getName().equals("sun.nio.ch.SelChImpl")) {
                try {
                    Method getFd = type.getMethod("getFDVal");
                    return (Integer) getFd.invoke(channel);
                } catch (IllegalAccessException | NoSuchMethodException e) {
                    throw new IOException("the socket's file descriptor is not readable: start the JVM with "
                            + JVM_OPTION);
                } catch (InvocationTargetException e) {
                    throw new IOException("the socket's file descriptor is not readable: " + e.getCause());
                }
            }
            types.addAll(java.util.List.of(type.getInterfaces()));
            if (type.getSuperclass() != null) {
                types.add(type.getSuperclass());
            }
        }
        throw new IOException("the socket's file descriptor is not readable: " + channel.getClass().getName()
                + " is not the JDK's socket channel");
    }
}
