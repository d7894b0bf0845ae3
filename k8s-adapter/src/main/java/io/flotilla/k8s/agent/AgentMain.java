package io.flotilla.k8s.agent;

import io.flotilla.api.JvmDefaults;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flotilla agent}: runs the agent of one child cluster until it is stopped (exit 0), or the
 * hub denies its registration (exit 1). Bad flags exit 2.
 */
public final class AgentMain {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  private static final Logger log = LoggerFactory.getLogger(AgentMain.class);

  private AgentMain() {}

  public static void main(String[] args) {
    JvmDefaults.apply();
    int code = run(args, System.out, System.err);
    System.exit(code);
  }

  /** Parses the flags, runs the agent and returns the exit code (when the agent stops). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    AgentOptions options;
    try {
      options = AgentOptions.parse(args);
    } catch (FlagException e) {
      err.println("flotilla agent: " + e.getMessage());
      err.print(AgentOptions.usage());
      return EXIT_USAGE;
    }
    if (options.help()) {
      out.print(AgentOptions.usage());
      return EXIT_OK;
    }

    SandboxApiServer sandbox = null;
    Agent agent = null;
    Thread hook = null;
    try {
      ApiClient child;
      Path kubeconfig;
      Path workDir = Files.createTempDirectory("flotilla-agent");
      if (options.sandbox()) {
        sandbox = SandboxApiServer.startSeeded(0, 3);
        kubeconfig = sandbox.writeKubeconfig(workDir.resolve("kubeconfig"));
        out.println("sandbox child API server: " + sandbox.url());
        out.println("sandbox kubeconfig:       " + kubeconfig);
        child = ChildClients.fromKubeconfig(kubeconfig);
      } else if (options.kubeconfig() != null) {
        kubeconfig = options.kubeconfig();
        child = ChildClients.fromKubeconfig(kubeconfig);
      } else {
        kubeconfig = ChildClients.writeInClusterKubeconfig(workDir.resolve("kubeconfig"));
        child = ChildClients.inCluster();
      }
      agent = new Agent(options, child, Agent.Timing.DEFAULT, Deployers.forChild(child, kubeconfig, workDir));
      Agent running = agent;
      SandboxApiServer runningSandbox = sandbox;
      hook = new Thread(() -> {
        running.close();
        closeQuietly(runningSandbox);
      }, "flotilla-agent-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      agent.start();
      int code = agent.termination().get();
      if (code != EXIT_OK) {
        err.println("flotilla agent: " + agent.failure().orElse("stopped"));
      }
      return code;
    } catch (IOException | RuntimeException e) {
      log.error("agent cannot start", e);
      err.println("flotilla agent: cannot start: " + e.getMessage());
      return EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_FAILED;
    } catch (ExecutionException e) {
      err.println("flotilla agent: " + e.getCause());
      return EXIT_FAILED;
    } finally {
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running or has run
        }
      }
      if (agent != null) {
        agent.close();
      }
      closeQuietly(sandbox);
    }
  }

  private static void closeQuietly(SandboxApiServer sandbox) {
    if (sandbox != null) {
      try {
        sandbox.close();
      } catch (Exception e) {
        log.warn("cannot stop the sandbox API server", e);
      }
    }
  }
}
