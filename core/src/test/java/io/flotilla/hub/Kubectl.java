package io.flotilla.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** The real kubectl binaries on this machine: the one on PATH, and the versioned ones beside it. */
public final class Kubectl {
  public record Result(int exitCode, String out, String err) {}

  private final Path binary;

  private Kubectl(Path binary) {
    this.binary = binary;
  }

  /** `kubectl` on PATH (the machine image's dispatcher), if any. */
  public static Optional<Kubectl> onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "kubectl");
      if (Files.isExecutable(candidate)) {
        return Optional.of(new Kubectl(candidate));
      }
    }
    return Optional.empty();
  }

  /** `kubectl.1.<minor>` in the folder of the one on PATH (after its symlink), if present. */
  public static Optional<Kubectl> version(int minor) {
    return onPath().map(k -> {
      try {
        return k.binary.toRealPath().resolveSibling("kubectl.1." + minor);
      } catch (IOException e) {
        return k.binary.resolveSibling("kubectl.1." + minor);
      }
    }).filter(Files::isExecutable).map(Kubectl::new);
  }

  /** The kubectls the tests run: the one on PATH, and the oldest beside it (1.27). */
  public static Stream<String> underTest() {
    return Stream.of("PATH", "1.27");
  }

  /** One of {@link #underTest()}; the calling test is skipped, saying why, where it is absent. */
  public static Kubectl require(String which) {
    Optional<Kubectl> kubectl = which.equals("PATH") ? onPath() : version(Integer.parseInt(which.substring(2)));
    Assumptions.assumeTrue(kubectl.isPresent(), "no kubectl " + which + " on this machine");
    return kubectl.get();
  }

  public Path binary() {
    return binary;
  }

  public Result run(Path kubeconfig, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return execute(new ProcessBuilder(command));
  }

  /**
   * {@code kubectl <plugin> ...} as a user who put the repository's bin/ (kubectl-clusternet) on
   * PATH after this kubectl: kubectl finds the plugin there and the plugin calls this kubectl.
   */
  public Result runPlugin(Path kubeconfig, String... args) throws IOException, InterruptedException {
    Path bin = repositoryBin();
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PATH", binary.getParent() + ":" + bin + ":" + System.getenv().getOrDefault("PATH", ""));
    builder.environment().put("KUBECTL", binary.toString());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return execute(builder);
  }

  /** The repository's bin/ from any module's working directory. */
  private static Path repositoryBin() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("bin/kubectl-clusternet"))) {
        return dir.resolve("bin");
      }
    }
    throw new IllegalStateException("no bin/kubectl-clusternet above " + Path.of("").toAbsolutePath());
  }

  private Result execute(ProcessBuilder builder) throws IOException, InterruptedException {
    List<String> command = builder.command();
    Path out = Files.createTempFile("kubectl", ".out");
    Path err = Files.createTempFile("kubectl", ".err");
    try {
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl did not finish in 60 s: " + command);
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
