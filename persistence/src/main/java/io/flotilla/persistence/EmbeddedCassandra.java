package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real, single-node Apache Cassandra 5.0 running in a child JVM, for development and tests.
 *
 * <p>Cassandra never loads in this JVM: the child runs {@link CassandraChild} on the classpath that
 * the {@code flotilla-cassandra-server} module resolved (resource {@value #CLASSPATH_RESOURCE}).
 * Everything lives under the data directory:
 * <pre>
 *   data/ commitlog/ saved_caches/ hints/ cdc_raw/ triggers/   Cassandra's files
 *   conf/cassandra.yaml conf/logback.xml                       generated on every start
 *   logs/stdout.log                                            the child's stdout and stderr
 *   cassandra.pid                                              pid of the running child
 *   ports                                                      the ports of the last start
 *   launcher.lock                                              held (OS file lock) while in use
 * </pre>
 * Ports are picked free on loopback at the first start and recorded in {@code ports}; a restart on the
 * same directory finds its data and reuses those ports when they are all still free, so that clients
 * (a hub's driver) reconnect to the same contact point by themselves; else it picks new ones.
 *
 * <p>A write is acknowledged once its commit log entry is on disk ({@code commitlog_sync: batch}): this
 * single replica is the only copy, and a crash of it ({@link #kill()} does one) loses no acknowledged write.
 *
 * <p>No orphan survives its owner: the child exits when its stdin pipe (held open by this JVM) reaches
 * end of file, which also happens when this JVM is killed with SIGKILL; a child left running anyway
 * (recorded in {@code cassandra.pid}) is killed by the next start on the same directory; and the lock
 * on {@code launcher.lock} prevents two live processes from sharing a directory.
 */
public final class EmbeddedCassandra implements AutoCloseable {

    /** Startup timeout of {@link #start(Path)}. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(120);
    /** Classpath resource holding Cassandra's runtime classpath (':'-separated absolute jar paths). */
    public static final String CLASSPATH_RESOURCE = "io/flotilla/persistence/cassandra-server.classpath";
    /** Optional system property: the Java home (or {@code java} executable) to run Cassandra with. */
    public static final String JAVA_HOME_PROPERTY = "flotilla.cassandra.java.home";
    /** Optional system property for benchmarks: {@code batch} (the default) or {@code periodic} commit log sync. */
    public static final String COMMITLOG_SYNC_PROPERTY = "flotilla.cassandra.commitlog-sync";
    /**
     * Optional system property for large runs: Cassandra's heap (a JVM size, e.g. {@code 4G}). Unset,
     * Cassandra gets 1 GB and small memtables and caches, sized for tests and the demo; set, it gets
     * that heap and sizes memtables and caches from it, as a Cassandra installation does.
     */
    public static final String HEAP_PROPERTY = "flotilla.cassandra.heap";

    static final String HOST = "127.0.0.1";
    static final String LOCK_FILE = "launcher.lock";
    static final String PID_FILE = "cassandra.pid";
    static final String LOG_FILE = "stdout.log";
    static final String PORTS_FILE = "ports";
    /** First argument of the child's command line, followed by the absolute data directory. */
    static final String DATA_DIR_MARKER = "-Dflotilla.cassandra.datadir=";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration CQL_PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 30;
    private static final long MAX_LOG_BYTES = 20L * 1024 * 1024;
    private static final int MAX_LAUNCH_ATTEMPTS = 3;

    /** Data directories in use by this JVM: checked before the lock file is even opened (see {@link #lock}). */
    private static final Set<Path> DIRS_IN_USE = ConcurrentHashMap.newKeySet();

    private final Path dataDir;
    private final Ports ports;
    private final Process process;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private EmbeddedCassandra(Path dataDir, Ports ports, Process process, FileChannel lockChannel, FileLock lock) {
        this.dataDir = dataDir;
        this.ports = ports;
        this.process = process;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.shutdownHook = new Thread(this::close, "flotilla-embedded-cassandra-shutdown");
        process.onExit().thenAccept(this::reportUnexpectedExit);
    }

    private void reportUnexpectedExit(Process exited) {
        if (closed) {
            return;
        }
        log.error("Embedded Cassandra (pid {}, port {}) exited unexpectedly with code {}: see {}", exited.pid(),
                ports.nativePort, exited.exitValue(), dataDir.resolve("logs").resolve(LOG_FILE));
    }

    /** Starts Cassandra on {@code dataDir} (created if missing) and waits up to 120 s until CQL answers. */
    public static EmbeddedCassandra start(Path dataDir) {
        return start(dataDir, DEFAULT_STARTUP_TIMEOUT);
    }

    /**
     * Starts Cassandra on {@code dataDir} (created if missing) and waits until CQL answers.
     *
     * @throws EmbeddedCassandraException if the directory is used by another live process (or another
     *         instance in this JVM), if the child exits before it is ready or is not ready within
     *         {@code startupTimeout} (the message then ends with the last lines of its log)
     */
    public static EmbeddedCassandra start(Path dataDir, Duration startupTimeout) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        Path dir = prepareDirectory(dataDir);
        if (!DIRS_IN_USE.add(dir)) {
            throw new EmbeddedCassandraException("Cassandra data directory " + dir
                    + " is already used by another running Flotilla process (here: by an EmbeddedCassandra of this"
                    + " same JVM, pid " + ProcessHandle.current().pid() + "): close it first or choose another directory");
        }
        FileChannel channel = null;
        boolean started = false;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = lock(channel, dir);
            killStaleChild(dir);
            EmbeddedCassandra cassandra = launch(dir, channel, lock, startupTimeout, deadline);
            Runtime.getRuntime().addShutdownHook(cassandra.shutdownHook);
            started = true;
            return cassandra;
        } catch (IOException e) {
            throw new EmbeddedCassandraException("Cannot start Cassandra in " + dir + ": " + e, e);
        } finally {
            if (!started) {
                closeQuietly(channel); // also releases the lock
                DIRS_IN_USE.remove(dir);
            }
        }
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** The CQL native transport port. */
    public int port() {
        return ports.nativePort;
    }

    /** {@code "127.0.0.1:<port>"}, e.g. for {@code datastax-java-driver.basic.contact-points}. */
    public String contactPoint() {
        return HOST + ":" + ports.nativePort;
    }

    /** The absolute data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** The pid of the Cassandra child process. */
    public long pid() {
        return process.pid();
    }

    /**
     * Makes the JVM-shutdown stop wait until {@code user} completes (at most {@code limit}):
     * shutdown hooks run concurrently, and the hub's actor system still writes while it shuts
     * down, so Cassandra must outlive it.
     */
    public void stopAfter(java.util.concurrent.CompletionStage<?> user, Duration limit) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                user.toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("Stopping embedded Cassandra before its user finished: {}", e.toString());
            }
            close();
        }, "flotilla-embedded-cassandra-ordered-shutdown"));
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
    }

    /**
     * Stops Cassandra: SIGTERM (a clean drain), up to 30 s, then SIGKILL; then releases the data
     * directory. Idempotent; also run by a JVM shutdown hook.
     */
    @Override
    public synchronized void close() {
        terminate(false);
    }

    /**
     * Kills Cassandra with SIGKILL, as a crash would: no drain, so the next {@link #start} on the same
     * directory replays the commit log (and, with the ports recorded there, serves on the same port).
     * Returns once the process is gone, with the directory released like {@link #close()}, which then
     * does nothing. For fault tests.
     */
    public synchronized void kill() {
        terminate(true);
    }

    private void terminate(boolean crash) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (Thread.currentThread() != shutdownHook) {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (or ran) anyway
        }
        long begin = System.nanoTime();
        boolean stopped;
        if (crash) {
            log.warn("Killing embedded Cassandra (pid {}, port {}, data {}) with SIGKILL", process.pid(),
                    ports.nativePort, dataDir);
            process.destroyForcibly(); // SIGKILL on Unix
            stopped = awaitExit(process.toHandle(), KILL_TIMEOUT);
        } else {
            log.info("Stopping embedded Cassandra (pid {}, port {}, data {})", process.pid(), ports.nativePort, dataDir);
            stopped = stop(process.toHandle());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        if (stopped) {
            log.info("Embedded Cassandra {} in {} ms (exit code {})", crash ? "killed" : "stopped", millis,
                    exitCode(process));
            deleteQuietly(dataDir.resolve(PID_FILE));
        } else {
            log.error("Embedded Cassandra (pid {}) did not exit after {} within {} ms", process.pid(),
                    crash ? "SIGKILL" : "SIGTERM and SIGKILL", millis);
        }
        closeQuietly(process.getOutputStream()); // the child's stdin: end of file makes it exit too
        closeQuietly(lockChannel); // releases the lock
        DIRS_IN_USE.remove(dataDir);
    }

    @Override
    public String toString() {
        return "EmbeddedCassandra[" + contactPoint() + ", pid " + process.pid() + ", " + dataDir + "]";
    }

    // ---------------------------------------------------------------- start

    private static Path prepareDirectory(Path dataDir) {
        try {
            Path dir = Files.createDirectories(dataDir.toAbsolutePath().normalize()).toRealPath();
            for (String sub : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw", "triggers", "logs", "conf")) {
                Files.createDirectories(dir.resolve(sub));
            }
            return dir;
        } catch (IOException e) {
            throw new EmbeddedCassandraException("Cannot create Cassandra data directory " + dataDir + ": " + e, e);
        }
    }

    /**
     * Takes the exclusive lock on {@code launcher.lock}. POSIX locks belong to the process and closing
     * any descriptor of the file drops them, hence {@link #DIRS_IN_USE}: this JVM never opens the lock
     * file of a directory it already uses.
     */
    private static FileLock lock(FileChannel channel, Path dir) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String owner = readOwner(channel);
            throw new EmbeddedCassandraException("Cassandra data directory " + dir
                    + " is already used by another running Flotilla process"
                    + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                    + ": stop it or choose another directory (lock: " + dir.resolve(LOCK_FILE) + ")");
        }
        byte[] owner = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(owner), 0);
        channel.force(false);
        return lock;
    }

    private static String readOwner(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** A child recorded in {@code cassandra.pid} that is still alive (its owner died without it): kill it. */
    private static void killStaleChild(Path dir) throws IOException {
        Path pidFile = dir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            log.warn("Ignoring unreadable pid file {} ({})", pidFile, text);
            Files.deleteIfExists(pidFile);
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isPresent()) {
            Optional<String> commandLine = commandLine(handle.get());
            if (commandLine.isEmpty()) {
                throw new EmbeddedCassandraException("Process " + pid + " recorded in " + pidFile
                        + " is alive but its command line cannot be read: if it is a leftover Cassandra, stop it"
                        + " (kill " + pid + "); otherwise delete the pid file");
            }
            if ((commandLine.get() + " ").contains(DATA_DIR_MARKER + dir + " ")) {
                log.warn("Killing leftover embedded Cassandra (pid {}) still running on {}", pid, dir);
                if (!stop(handle.get())) {
                    throw new EmbeddedCassandraException("Leftover Cassandra process " + pid + " on " + dir
                            + " did not exit after SIGTERM and SIGKILL");
                }
            } else {
                log.debug("Pid {} from {} belongs to an unrelated process now: ignored", pid, pidFile);
            }
        }
        Files.deleteIfExists(pidFile);
    }

    /**
     * The full command line of a process: /proc/&lt;pid&gt;/cmdline where it exists (the JDK's
     * {@code ProcessHandle.Info.commandLine()} is cut at 4096 bytes on Linux), else the JDK's.
     */
    static Optional<String> commandLine(ProcessHandle process) {
        Path procCmdline = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
        if (Files.isReadable(procCmdline)) {
            try {
                byte[] bytes = Files.readAllBytes(procCmdline);
                if (bytes.length > 0) {
                    return Optional.of(new String(bytes, StandardCharsets.UTF_8).replace('\0', ' ').trim());
                }
            } catch (IOException e) {
                // the process may just have exited: fall back
            }
        }
        return process.info().commandLine();
    }

    private static EmbeddedCassandra launch(Path dir, FileChannel lockChannel, FileLock lock,
                                            Duration startupTimeout, long deadline) throws IOException {
        String classpath = childClasspath(dir);
        String java = javaExecutable();
        Path logFile = dir.resolve("logs").resolve(LOG_FILE);
        for (int attempt = 1; ; attempt++) {
            // the previous start's ports, when they are all free (a clash found by Cassandra itself
            // makes the next attempt pick new ones)
            Ports ports = attempt == 1 ? Ports.recorded(dir).filter(Ports::allFree).orElseGet(Ports::pickFree)
                    : Ports.pickFree();
            writeConfiguration(dir, ports);
            rotate(logFile);
            long logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;

            ProcessBuilder builder = new ProcessBuilder(command(java, classpath, dir, ports))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            // stdin stays a pipe that this JVM keeps open and never writes to (see CassandraChild)
            builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));

            long begin = System.nanoTime();
            log.info("Starting embedded Cassandra in {} (CQL port {}, storage port {}, ssl storage port {}, JMX port {})",
                    dir, ports.nativePort, ports.storagePort, ports.sslStoragePort, ports.jmxPort);
            Process process = builder.start();
            try {
                Files.writeString(dir.resolve(PID_FILE), process.pid() + "\n", StandardCharsets.US_ASCII);
                String version = awaitCql(process, ports, deadline, startupTimeout, logFile, logOffset);
                log.info("Embedded Cassandra {} ready at {}:{} in {} ms (pid {}, data {})", version, HOST,
                        ports.nativePort, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), process.pid(), dir);
                ports.record(dir);
                return new EmbeddedCassandra(dir, ports, process, lockChannel, lock);
            } catch (PortClash clash) {
                stopAfterFailure(process, dir);
                if (attempt >= MAX_LAUNCH_ATTEMPTS || System.nanoTime() - deadline >= 0) {
                    throw new EmbeddedCassandraException("Cassandra could not bind its ports after " + attempt
                            + " attempts. Last lines of " + logFile + ":\n" + clash.getMessage());
                }
                log.warn("A port picked for Cassandra was taken meanwhile: retrying with other ports");
            } catch (RuntimeException | Error e) {
                stopAfterFailure(process, dir);
                throw e;
            }
        }
    }

    private static void stopAfterFailure(Process process, Path dir) {
        stop(process.toHandle());
        closeQuietly(process.getOutputStream());
        deleteQuietly(dir.resolve(PID_FILE));
    }

    /** Polls until {@code SELECT release_version FROM system.local} answers; returns the version. */
    private static String awaitCql(Process process, Ports ports, long deadline, Duration startupTimeout,
                                   Path logFile, long logOffset) {
        RuntimeException lastCqlError = null;
        while (true) {
            if (!process.isAlive()) {
                String output = readFrom(logFile, logOffset);
                String tail = lastLines(output, LOG_TAIL_LINES);
                if (output.contains("Address already in use") || output.contains("BindException")) {
                    throw new PortClash(tail);
                }
                throw new EmbeddedCassandraException("Cassandra (pid " + process.pid() + ") exited with code "
                        + process.exitValue() + " before CQL answered on port " + ports.nativePort
                        + ". Last lines of " + logFile + ":\n" + tail);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new EmbeddedCassandraException("Cassandra (pid " + process.pid() + ") did not answer CQL on port "
                        + ports.nativePort + " within " + startupTimeout.toMillis() + " ms"
                        + (lastCqlError == null ? "" : " (last error: " + lastCqlError + ")")
                        + ". Last lines of " + logFile + ":\n" + lastLines(readFrom(logFile, logOffset), LOG_TAIL_LINES));
            }
            // the native port opens once Cassandra serves CQL: probing it first keeps the driver's
            // connection-failure warnings out of the log
            if (accepts(ports.nativePort)) {
                try (CqlSession session = CqlSessions.open(HOST, ports.nativePort, CQL_PROBE_TIMEOUT)) {
                    Row row = session.execute("SELECT release_version FROM system.local").one();
                    return row == null ? "?" : row.getString("release_version");
                } catch (RuntimeException e) {
                    lastCqlError = e;
                    log.debug("CQL not answering yet on port {}: {}", ports.nativePort, e.toString());
                }
            }
            try {
                process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedCassandraException("Interrupted while waiting for Cassandra to start", e);
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(HOST), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, wait, SIGKILL, wait. Returns whether the process is gone. */
    private static boolean stop(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy();
        if (awaitExit(handle, STOP_TIMEOUT)) {
            return true;
        }
        log.warn("Cassandra (pid {}) still running {} s after SIGTERM: killing it", handle.pid(), STOP_TIMEOUT.toSeconds());
        handle.destroyForcibly();
        return awaitExit(handle, KILL_TIMEOUT);
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        }
    }

    private static String exitCode(Process process) {
        try {
            return String.valueOf(process.exitValue());
        } catch (IllegalThreadStateException e) {
            return "?";
        }
    }

    // ---------------------------------------------------------------- child command line

    private static List<String> command(String java, String classpath, Path dir, Ports ports) {
        List<String> command = new ArrayList<>();
        command.add(java);
        // first, so that even a truncated command line says which directory the process owns
        command.add(DATA_DIR_MARKER + dir);
        String heap = System.getProperty(HEAP_PROPERTY);
        command.add("-Xms" + (heap == null ? "256m" : heap));
        command.add("-Xmx" + (heap == null ? "1G" : heap));
        command.add("-XX:+UseG1GC");
        command.add("-XX:+ParallelRefProcEnabled");
        command.add("-XX:MaxTenuringThreshold=1");
        command.add("-XX:MaxGCPauseMillis=300");
        command.add("-XX:+ExitOnOutOfMemoryError"); // Cassandra's advice: never keep running after an OOM
        // JPMS, as in Cassandra's conf/jvm17-server.options
        for (String export : List.of("java.base/jdk.internal.misc", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
                "java.management.rmi/com.sun.jmx.remote.internal.rmi", "java.rmi/sun.rmi.registry",
                "java.rmi/sun.rmi.server", "java.sql/java.sql", "java.base/java.lang.ref", "jdk.unsupported/sun.misc",
                "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach")) {
            command.add("--add-exports");
            command.add(export + "=ALL-UNNAMED");
        }
        for (String open : List.of("java.base/java.lang.module", "java.base/jdk.internal.loader",
                "java.base/jdk.internal.ref", "java.base/jdk.internal.reflect", "java.base/jdk.internal.math",
                "java.base/jdk.internal.module", "java.base/jdk.internal.util.jar",
                "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch", "java.base/java.io",
                "java.base/java.lang.reflect", "jdk.compiler/com.sun.tools.javac", "java.base/java.lang",
                "java.base/java.util")) {
            command.add("--add-opens");
            command.add(open + "=ALL-UNNAMED");
        }
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.add("-Dio.netty.tryReflectionSetAccessible=true");
        command.add("-Dio.netty.allocator.useCacheForAllThreads=true");
        command.add("-Dio.netty.allocator.maxOrder=11");
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-Dcassandra.config=" + dir.resolve("conf").resolve("cassandra.yaml").toUri());
        command.add("-Dcassandra.storagedir=" + dir);
        command.add("-Dcassandra.logdir=" + dir.resolve("logs"));
        command.add("-Dcassandra.triggers_dir=" + dir.resolve("triggers"));
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.jmx.local.port=" + ports.jmxPort);
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dlogback.configurationFile=" + dir.resolve("conf").resolve("logback.xml"));
        command.add("-cp");
        command.add(classpath);
        command.add(CassandraChild.class.getName());
        return command;
    }

    private static String javaExecutable() {
        String configured = System.getProperty(JAVA_HOME_PROPERTY);
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            candidates.add(Files.isDirectory(path) ? javaIn(path) : path);
        } else {
            candidates.add(javaIn(Path.of(System.getProperty("java.home"))));
            ProcessHandle.current().info().command().map(Path::of).ifPresent(candidates::add);
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new EmbeddedCassandraException("No java executable found to run Cassandra (tried " + candidates + ")");
    }

    private static Path javaIn(Path javaHome) {
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        return javaHome.resolve("bin").resolve(windows ? "java.exe" : "java");
    }

    /** Cassandra's jars (from the resource) plus the location of {@link CassandraChild}. */
    private static String childClasspath(Path dir) throws IOException {
        String resolved;
        try (InputStream in = resourceStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new EmbeddedCassandraException("Resource " + CLASSPATH_RESOURCE + " not found: the artifact"
                        + " io.flotilla:flotilla-cassandra-server must be on the classpath (build it with Maven)");
            }
            resolved = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        List<String> entries = new ArrayList<>();
        for (String entry : resolved.split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            if (!Files.exists(Path.of(entry))) {
                throw new EmbeddedCassandraException("Cassandra's classpath (" + CLASSPATH_RESOURCE + ") lists " + entry
                        + ", which does not exist: rebuild persistence/cassandra-server (mvn install) to resolve it again");
            }
            entries.add(entry);
        }
        if (entries.isEmpty()) {
            throw new EmbeddedCassandraException("Resource " + CLASSPATH_RESOURCE + " is empty");
        }
        entries.add(childLocation(dir).toString());
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static InputStream resourceStream(String name) {
        ClassLoader loader = EmbeddedCassandra.class.getClassLoader();
        return loader == null ? ClassLoader.getSystemResourceAsStream(name) : loader.getResourceAsStream(name);
    }

    /** The directory or jar holding {@link CassandraChild}; if it is neither (e.g. a nested jar), a copy of the class. */
    private static Path childLocation(Path dir) throws IOException {
        try {
            URL location = CassandraChild.class.getProtectionDomain().getCodeSource().getLocation();
            if (location != null && "file".equals(location.getProtocol())) {
                Path path = Path.of(location.toURI());
                if (Files.exists(path)) {
                    return path;
                }
            }
        } catch (SecurityException | URISyntaxException | IllegalArgumentException | NullPointerException e) {
            // fall back to a copy
        }
        String resource = CassandraChild.class.getName().replace('.', '/') + ".class";
        Path target = dir.resolve("launcher").resolve(resource);
        Files.createDirectories(target.getParent());
        try (InputStream in = resourceStream(resource)) {
            if (in == null) {
                throw new EmbeddedCassandraException("Cannot find " + resource + " to launch Cassandra");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return dir.resolve("launcher");
    }

    // ---------------------------------------------------------------- configuration files

    private static void writeConfiguration(Path dir, Ports ports) throws IOException {
        String yaml = String.join("\n",
                "# Generated by Flotilla's EmbeddedCassandra on every start: edits are overwritten.",
                "cluster_name: 'Flotilla embedded'",
                "num_tokens: 16",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"" + HOST + ":" + ports.storagePort + "\"",
                "listen_address: " + HOST,
                "rpc_address: " + HOST,
                "storage_port: " + ports.storagePort,
                "ssl_storage_port: " + ports.sslStoragePort,
                "native_transport_port: " + ports.nativePort,
                "start_native_transport: true",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "role_manager: CassandraRoleManager",
                "network_authorizer: AllowAllNetworkAuthorizer",
                "data_file_directories:",
                "  - " + yamlString(dir.resolve("data")),
                "commitlog_directory: " + yamlString(dir.resolve("commitlog")),
                "saved_caches_directory: " + yamlString(dir.resolve("saved_caches")),
                "hints_directory: " + yamlString(dir.resolve("hints")),
                "cdc_raw_directory: " + yamlString(dir.resolve("cdc_raw")),
                // batch: a write is acknowledged once its commit log entry is on disk. Periodic (Cassandra's
                // default) acknowledges before, so a crash of this single replica (SIGKILL, OOM) lost the
                // last ~100 ms of acknowledged writes (and up to 10 s on power loss): CassandraOutageTest.
                // Benchmarks may ask for periodic to stand in for a replicated production cluster, where
                // the other replicas, not this fsync, keep an acknowledged write.
                commitlogSync(),
                "commitlog_segment_size: 8MiB",
                memoryBudget(),
                "concurrent_reads: 8",
                "concurrent_writes: 8",
                "concurrent_counter_writes: 8",
                "storage_compatibility_mode: NONE",
                "auto_snapshot: false",
                "");
        String logback = String.join("\n",
                "<!-- Generated by Flotilla's EmbeddedCassandra on every start. Goes to logs/" + LOG_FILE + " -->",
                "<configuration scan=\"false\">",
                "  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
                "    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"STDOUT\"/></root>",
                "</configuration>",
                "");
        Files.writeString(dir.resolve("conf").resolve("cassandra.yaml"), yaml, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("conf").resolve("logback.xml"), logback, StandardCharsets.UTF_8);
    }

    /** Memtables and caches for the 1 GB heap, or none (Cassandra's heap-derived defaults) when {@value #HEAP_PROPERTY} is set. */
    private static String memoryBudget() {
        return System.getProperty(HEAP_PROPERTY) != null ? "# memtables and caches: sized by Cassandra from its heap"
            : String.join("\n", "memtable_heap_space: 64MiB", "memtable_offheap_space: 64MiB", "key_cache_size: 8MiB",
                "counter_cache_size: 4MiB", "file_cache_size: 32MiB");
    }

    /** {@code commitlog_sync: batch}, or periodic (10 s) when {@value #COMMITLOG_SYNC_PROPERTY} says so. */
    private static String commitlogSync() {
        String sync = System.getProperty(COMMITLOG_SYNC_PROPERTY, "batch");
        return switch (sync) {
            case "batch" -> "commitlog_sync: batch";
            case "periodic" -> "commitlog_sync: periodic\ncommitlog_sync_period: 10000ms";
            default -> throw new IllegalArgumentException(COMMITLOG_SYNC_PROPERTY + " must be batch or periodic, not "
                + sync);
        };
    }

    private static String yamlString(Path path) {
        return "'" + path.toString().replace("'", "''") + "'";
    }

    // ---------------------------------------------------------------- log file

    private static void rotate(Path logFile) throws IOException {
        if (Files.exists(logFile) && Files.size(logFile) > MAX_LOG_BYTES) {
            Files.move(logFile, logFile.resolveSibling(LOG_FILE + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** What the child wrote from {@code offset} on (at most the last 256 KiB). */
    private static String readFrom(Path file, long offset) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(offset, in.length() - 256 * 1024);
            byte[] bytes = new byte[(int) Math.max(0, in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static String lastLines(String text, int count) {
        String[] lines = text.split("\\R");
        int from = Math.max(0, lines.length - count);
        StringBuilder out = new StringBuilder();
        for (int i = from; i < lines.length; i++) {
            out.append("  | ").append(lines[i]).append('\n');
        }
        return out.length() == 0 ? "  | (no output)\n" : out.toString();
    }

    // ---------------------------------------------------------------- utilities

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("Ignoring failure to close {}: {}", closeable, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("Cannot delete {}: {}", path, e.toString());
        }
    }

    /** The child died because a port it was given had been taken meanwhile. */
    private static final class PortClash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortClash(String logTail) {
            super(logTail, null, false, false);
        }
    }

    /** Four distinct free loopback ports, picked together. */
    private static final class Ports {
        final int nativePort;
        final int storagePort;
        final int sslStoragePort;
        final int jmxPort;

        private Ports(int nativePort, int storagePort, int sslStoragePort, int jmxPort) {
            this.nativePort = nativePort;
            this.storagePort = storagePort;
            this.sslStoragePort = sslStoragePort;
            this.jmxPort = jmxPort;
        }

        /** The ports recorded in the directory by an earlier start, if any (and readable). */
        static Optional<Ports> recorded(Path dir) {
            Path file = dir.resolve(PORTS_FILE);
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            try (InputStream in = Files.newInputStream(file)) {
                java.util.Properties properties = new java.util.Properties();
                properties.load(in);
                return Optional.of(new Ports(port(properties, "native_transport_port"),
                        port(properties, "storage_port"), port(properties, "ssl_storage_port"),
                        port(properties, "jmx_port")));
            } catch (IOException | RuntimeException e) {
                log.warn("Ignoring unreadable {} ({}): picking new ports", file, e.toString());
                return Optional.empty();
            }
        }

        private static int port(java.util.Properties properties, String key) {
            int port = Integer.parseInt(properties.getProperty(key, "").trim());
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException(key + " = " + port);
            }
            return port;
        }

        void record(Path dir) throws IOException {
            String text = String.join("\n",
                    "# The ports of the last start of this directory's Cassandra; the next start reuses them when free.",
                    "native_transport_port=" + nativePort,
                    "storage_port=" + storagePort,
                    "ssl_storage_port=" + sslStoragePort,
                    "jmx_port=" + jmxPort,
                    "");
            Path temp = dir.resolve(PORTS_FILE + ".tmp");
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, dir.resolve(PORTS_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }

        /** Whether all four ports can be bound on loopback now; logs the first one that cannot. */
        boolean allFree() {
            for (int port : List.of(nativePort, storagePort, sslStoragePort, jmxPort)) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
                } catch (IOException e) {
                    log.warn("Port {} of the previous start is taken now ({}): Cassandra gets new ports", port,
                            e.toString());
                    return false;
                }
            }
            return true;
        }

        static Ports pickFree() {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                InetAddress loopback = InetAddress.getByName(HOST);
                for (int i = 0; i < 4; i++) {
                    ServerSocket socket = new ServerSocket(0, 1, loopback);
                    sockets.add(socket);
                }
                return new Ports(sockets.get(0).getLocalPort(), sockets.get(1).getLocalPort(),
                        sockets.get(2).getLocalPort(), sockets.get(3).getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot find free loopback ports for Cassandra", e);
            } finally {
                sockets.forEach(EmbeddedCassandra::closeQuietly);
            }
        }
    }
}
