package io.flotilla.k8s.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a real kubectl binary against a kubeconfig, with a deadline and its output in files. */
final class Kubectl {

  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /** A kubectl left running (get -w); its output file can be polled. */
  record Background(Process process, Path out) implements AutoCloseable {
    String output() throws IOException {
      return Files.readString(out);
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final long DEADLINE_SECONDS = 60;

  private final Path binary;
  private final Path kubeconfig;
  private final Path workDir;
  private int runs;

  Kubectl(Path binary, Path kubeconfig, Path workDir) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.workDir = workDir;
  }

  /** The {@code kubectl} on PATH (the machine's version dispatcher). */
  static Optional<Path> onPath() {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, "kubectl"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** {@code kubectl}, or a versioned one such as {@code kubectl.1.27} from the folder the PATH one really lives in. */
  static Optional<Path> find(String name) {
    Optional<Path> dispatcher = onPath();
    if (name.equals("kubectl") || dispatcher.isEmpty()) {
      return dispatcher;
    }
    try {
      Path sibling = dispatcher.get().toRealPath().resolveSibling(name);
      return Files.isExecutable(sibling) ? Optional.of(sibling) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  Result run(String... args) throws IOException, InterruptedException {
    int run = ++runs;
    Path out = workDir.resolve("kubectl-" + run + ".out");
    Path err = workDir.resolve("kubectl-" + run + ".err");
    Process process = processBuilder(args)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    if (!process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in " + DEADLINE_SECONDS + "s");
    }
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Like {@link #run} but fails unless kubectl exits 0; returns stdout. */
  String ok(String... args) throws IOException, InterruptedException {
    Result result = run(args);
    if (result.exitCode() != 0) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " failed: " + result);
    }
    return result.out();
  }

  Background start(String... args) throws IOException {
    Path out = workDir.resolve("kubectl-background-" + (++runs) + ".out");
    Process process = processBuilder(args)
        .redirectOutput(out.toFile())
        .redirectErrorStream(true)
        .start();
    return new Background(process, out);
  }

  /** The kubeconfig both as flag and in the environment: the dispatcher reads it to ask /version first. */
  private ProcessBuilder processBuilder(String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--kubeconfig", kubeconfig.toString(), "--cache-dir", workDir.resolve("cache").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return builder;
  }
}
