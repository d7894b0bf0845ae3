package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Helpers shared by this module's tests. */
final class TestSupport {

    private TestSupport() {
    }

    /** A fresh, not yet existing directory under the module's target/embedded-cassandra-tests. */
    static Path freshDir(String name) {
        return Path.of("").toAbsolutePath().resolve("target").resolve("embedded-cassandra-tests")
                .resolve(name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    static CqlSession session(String host, int port) {
        return CqlSessions.open(host, port, Duration.ofSeconds(30));
    }

    static CqlSession session(EmbeddedCassandra cassandra) {
        return session(cassandra.host(), cassandra.port());
    }

    /**
     * Starts {@code main} in a new JVM on this test JVM's classpath. Its stdin is a pipe (kept open by
     * the returned Process), its stdout is read by {@link OutputReader}, its stderr goes to {@code stderrFile}.
     */
    static Process spawnJava(Class<?> main, Path stderrFile, List<String> jvmArgs, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        Files.createDirectories(stderrFile.getParent());
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()))
                .start();
    }

    /** Waits (without polling) until the process exits; false if it is still alive at the deadline. */
    static boolean awaitExit(ProcessHandle handle, Duration timeout) throws InterruptedException {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !handle.isAlive();
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Live processes whose command line mentions {@code text}. */
    static List<ProcessHandle> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                .collect(Collectors.toList());
    }

    /** Reads a child's stdout on a daemon thread, keeping every line, so a line can be awaited with a deadline. */
    static final class OutputReader {
        private final StringBuffer all = new StringBuffer();
        private final List<Waiter> waiters = new ArrayList<>();

        private static final class Waiter {
            final Predicate<String> predicate;
            final CompletableFuture<String> future = new CompletableFuture<>();

            Waiter(Predicate<String> predicate) {
                this.predicate = predicate;
            }
        }

        OutputReader(Process process, String name) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        synchronized (waiters) {
                            all.append(line).append('\n');
                            for (Waiter waiter : waiters) {
                                if (!waiter.future.isDone() && waiter.predicate.test(line)) {
                                    waiter.future.complete(line);
                                }
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process is gone
                }
                synchronized (waiters) {
                    waiters.forEach(w -> w.future.completeExceptionally(
                            new IllegalStateException("stdout closed before the expected line")));
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** The first line (already read or still to come) that matches. */
        CompletableFuture<String> lineMatching(Predicate<String> predicate) {
            Waiter waiter = new Waiter(predicate);
            synchronized (waiters) {
                for (String line : all.toString().split("\n")) {
                    if (predicate.test(line)) {
                        waiter.future.complete(line);
                    }
                }
                waiters.add(waiter);
            }
            return waiter.future;
        }

        String output() {
            return all.toString();
        }
    }
}
