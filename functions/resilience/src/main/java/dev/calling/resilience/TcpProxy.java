package dev.calling.resilience;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP forwarder on a loopback port in front of an emulator, which can take the emulator off the
 * network for a while: {@link #outage} closes the listening socket (new connections are refused)
 * and every open connection (requests in flight fail, kept-alive connections are gone), then
 * listens again on the same port. The emulator behind it keeps its state, as the real service would
 * through a network outage.
 */
public final class TcpProxy implements AutoCloseable {

    private final int port;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-proxy-pump");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    private volatile ServerSocket server;
    private volatile boolean running = true;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = bind(0);
        } catch (IOException e) {
            throw new IllegalStateException("proxy did not start", e);
        }
        this.port = server.getLocalPort();
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Refuses and cuts every connection for {@code down}, then forwards again. Blocks meanwhile. */
    public void outage(Duration down) {
        synchronized (lock) {
            closeQuietly(server);
            open.forEach(TcpProxy::closeQuietly);
            open.clear();
            try {
                Thread.sleep(down.toMillis());
                server = bind(port);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new IllegalStateException("proxy could not listen on " + port + " again", e);
            } finally {
                lock.notifyAll();
            }
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return socket;
    }

    private void acceptLoop() {
        while (running) {
            ServerSocket current = server;
            try {
                Socket client = current.accept();
                forward(client);
            } catch (IOException closed) {
                synchronized (lock) {
                    while (running && server == current) {
                        try {
                            lock.wait(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }
        }
    }

    private void forward(Socket client) {
        Socket upstream;
        try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        open.add(client);
        open.add(upstream);
        pumps.execute(() -> pump(client, upstream));
        pumps.execute(() -> pump(upstream, client));
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException gone) {
            // one side closed or the outage cut it
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        running = false;
        closeQuietly(server);
        open.forEach(TcpProxy::closeQuietly);
        pumps.shutdownNow();
    }
}
