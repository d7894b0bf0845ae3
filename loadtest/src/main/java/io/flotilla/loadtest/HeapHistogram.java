package io.flotilla.loadtest;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The live heap by class, as {@code jcmd <pid> GC.class_histogram} prints it (taking it runs a
 * full collection), read in-process; two of them, subtracted and divided by a count, say what
 * each of that many things costs and of what. Their totals are the live heap: steadier than the
 * heap used after {@code System.gc()}, which once read 250 MB more before a run than after it
 * while the histograms grew by 94 MB.
 */
record HeapHistogram(Map<String, long[]> instancesAndBytesByClass) {
  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  static HeapHistogram take() {
    try {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      Map<String, long[]> rows = new HashMap<>();
      for (String line : text.split("\n")) {
        Matcher row = ROW.matcher(line);
        if (row.find()) {
          rows.merge(row.group(3), new long[] {Long.parseLong(row.group(1)), Long.parseLong(row.group(2))},
              (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
        }
      }
      return new HeapHistogram(rows);
    } catch (Exception e) {
      throw new IllegalStateException("no class histogram from this JVM", e);
    }
  }

  long totalBytes() {
    return total(1);
  }

  private long total(int column) {
    return instancesAndBytesByClass.values().stream().mapToLong(instancesAndBytes -> instancesAndBytes[column]).sum();
  }

  /** Writes this JVM's live objects to {@code file} (HPROF), for a closer look than classes give. */
  static void dump(String file) {
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(file, true);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("no heap dump to " + file, e);
    }
  }

  /** The classes that grew most since {@code before}, per {@code count} things, as a Markdown table. */
  String growthPer(HeapHistogram before, int count, int top) {
    List<Map.Entry<String, long[]>> growth = instancesAndBytesByClass.entrySet().stream()
        .map(e -> {
          long[] was = before.instancesAndBytesByClass.getOrDefault(e.getKey(), new long[2]);
          return Map.entry(e.getKey(), new long[] {e.getValue()[0] - was[0], e.getValue()[1] - was[1]});
        })
        .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
        .toList();
    StringBuilder table = new StringBuilder("| class | instances each | bytes each |\n|---|---|---|\n");
    growth.stream().limit(top).forEach(e -> table.append(row(e.getKey(), e.getValue(), count)));
    // the totals, not the rows' sum: a class that is gone since is in no row
    long[] total = {total(0) - before.total(0), total(1) - before.total(1)};
    return table.append(row("(all classes)", total, count)).toString();
  }

  private static String row(String name, long[] instancesAndBytes, int count) {
    return String.format("| %s | %.2f | %.0f |%n", name, instancesAndBytes[0] / (double) count,
        instancesAndBytes[1] / (double) count);
  }
}
