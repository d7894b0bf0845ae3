package io.flotilla.k8s;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Every log event of this JVM while it is open, as text: level, logger, thread, the formatted
 * message and its pattern, each argument's toString, the MDC, the marker, and the whole throwable
 * chain (class, message and frames of each cause and suppressed exception). It hangs on ROOT and
 * lowers ROOT, the project's and its libraries' loggers (and any logger configured above DEBUG) to
 * DEBUG; {@link #close()} detaches it and puts every level back.
 *
 * <p>{@link #leaks} finds secrets in what was captured: the whole value, its secret part (after the
 * dot of {@code <id>.<secret>} tokens), the first 12 characters of that part, its base64 (standard
 * and URL alphabets, at any byte alignment inside a longer encoded text) and its hex.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  /** The shortest fragment of a secret that counts as a leak (and the scanner's window). */
  static final int MIN_FRAGMENT = 12;
  private static final List<String> LOWERED = List.of(org.slf4j.Logger.ROOT_LOGGER_NAME, "io.flotilla", "akka",
      "io.kubernetes", "okhttp3");

  /** One captured event: its level, logger and everything it carried, as text. */
  record Event(Level level, String logger, String text) {}

  /** A place a secret was found: which secret, which form of it, and the event (the secret redacted). */
  record Leak(String secret, String form, String event) {
    @Override
    public String toString() {
      return secret + " (" + form + ") in: " + event;
    }
  }

  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  private final Map<Logger, Level> saved = new LinkedHashMap<>();
  private final LoggerContext context;

  private LogCapture(LoggerContext context) {
    this.context = context;
  }

  static LogCapture open() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LogCapture capture = new LogCapture(context);
    capture.setContext(context);
    capture.setName("tokens-not-logged");
    capture.start();
    for (String name : LOWERED) {
      capture.lower(context.getLogger(name));
    }
    for (Logger logger : new ArrayList<>(context.getLoggerList())) { // e.g. com.datastax at WARN in logback-test.xml
      if (logger.getLevel() != null && logger.getLevel().isGreaterOrEqual(Level.INFO)) {
        capture.lower(logger);
      }
    }
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);
    return capture;
  }

  private void lower(Logger logger) {
    saved.putIfAbsent(logger, logger.getLevel());
    logger.setLevel(Level.DEBUG);
  }

  @Override
  public void close() {
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(this);
    saved.forEach(Logger::setLevel);
    stop();
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  long count(Level level) {
    return events.stream().filter(e -> e.level().equals(level)).count();
  }

  @Override
  protected void append(ILoggingEvent event) {
    events.add(new Event(event.getLevel(), event.getLoggerName(), render(event)));
  }

  static String render(ILoggingEvent event) {
    StringBuilder text = new StringBuilder();
    text.append(event.getLevel()).append(' ').append(event.getLoggerName()).append(" [").append(event.getThreadName())
        .append("] ").append(event.getFormattedMessage());
    text.append("\n  pattern: ").append(event.getMessage());
    if (event.getArgumentArray() != null) {
      for (Object argument : event.getArgumentArray()) {
        text.append("\n  argument: ").append(describe(argument));
      }
    }
    if (event.getMDCPropertyMap() != null && !event.getMDCPropertyMap().isEmpty()) {
      text.append("\n  mdc: ").append(event.getMDCPropertyMap());
    }
    if (event.getMarker() != null) {
      text.append("\n  marker: ").append(event.getMarker());
    }
    throwable(event.getThrowableProxy(), "", text, Collections.newSetFromMap(new IdentityHashMap<>()));
    return text.toString();
  }

  private static String describe(Object argument) {
    try {
      if (argument instanceof Object[] array) {
        return Arrays.deepToString(array);
      }
      if (argument instanceof byte[] bytes) {
        return Arrays.toString(bytes) + " = " + new String(bytes, StandardCharsets.UTF_8);
      }
      if (argument instanceof char[] chars) {
        return new String(chars);
      }
      return String.valueOf(argument);
    } catch (RuntimeException e) {
      return "<toString failed: " + e + ">";
    }
  }

  private static void throwable(IThrowableProxy proxy, String prefix, StringBuilder text, Set<IThrowableProxy> seen) {
    if (proxy == null || !seen.add(proxy)) {
      return;
    }
    text.append("\n  ").append(prefix).append(proxy.getClassName()).append(": ").append(proxy.getMessage());
    if (proxy.getStackTraceElementProxyArray() != null) {
      for (StackTraceElementProxy frame : proxy.getStackTraceElementProxyArray()) {
        text.append("\n    ").append(frame.getSTEAsString());
      }
    }
    if (proxy.getSuppressed() != null) {
      for (IThrowableProxy suppressed : proxy.getSuppressed()) {
        throwable(suppressed, "Suppressed: ", text, seen);
      }
    }
    throwable(proxy.getCause(), "Caused by: ", text, seen);
  }

  // ---- finding secrets ----

  /** A form of a secret to look for. */
  private record Needle(String secret, String form, String text) {}

  /** Every place one of {@code secrets} (name → value) shows in these events, in any of its forms. */
  static List<Leak> leaks(List<Event> events, Map<String, String> secrets) {
    List<Needle> needles = new ArrayList<>();
    secrets.forEach((name, value) -> needles.addAll(forms(name, value)));
    Map<Long, List<Needle>> byWindow = new HashMap<>();
    for (Needle needle : needles) {
      byWindow.computeIfAbsent(hash(needle.text(), 0), h -> new ArrayList<>()).add(needle);
    }
    long power = 1;
    for (int i = 1; i < MIN_FRAGMENT; i++) {
      power *= 31;
    }
    List<Leak> leaks = new ArrayList<>();
    for (Event event : events) {
      String text = event.text();
      if (text.length() < MIN_FRAGMENT) {
        continue;
      }
      Map<String, Needle> found = new LinkedHashMap<>(); // per secret, its longest form in this event
      long h = hash(text, 0);
      for (int i = 0; ; i++) { // a rolling hash over every 12-character window, then an exact check
        List<Needle> candidates = byWindow.get(h);
        if (candidates != null) {
          for (Needle needle : candidates) {
            if (text.startsWith(needle.text(), i)) {
              found.merge(needle.secret(), needle, (x, y) -> x.text().length() >= y.text().length() ? x : y);
            }
          }
        }
        if (i + MIN_FRAGMENT >= text.length()) {
          break;
        }
        h = (h - text.charAt(i) * power) * 31 + text.charAt(i + MIN_FRAGMENT);
      }
      for (Needle needle : found.values()) {
        leaks.add(new Leak(needle.secret(), needle.form(), redact(text, needles)));
      }
    }
    return leaks;
  }

  private static long hash(String text, int from) {
    long h = 0;
    for (int i = from; i < from + MIN_FRAGMENT; i++) {
      h = h * 31 + text.charAt(i);
    }
    return h;
  }

  /** The event as a failure message may show it: every form of every secret replaced by its name. */
  private static String redact(String text, List<Needle> needles) {
    String redacted = text;
    for (Needle needle : needles.stream().sorted((a, b) -> b.text().length() - a.text().length()).toList()) {
      redacted = redacted.replace(needle.text(), "<" + needle.secret() + ", " + needle.form() + ">");
    }
    return redacted.length() > 600 ? redacted.substring(0, 600) + "…" : redacted;
  }

  /** What counts as a leak of {@code value}: see the class comment. All are at least 12 characters. */
  private static List<Needle> forms(String name, String value) {
    int dot = value.indexOf('.');
    // <id>.<secret> (bootstrap tokens, cluster tokens <clusterId>.<secret>): the id alone is public
    String secret = dot > 0 && dot < value.length() - 1 ? value.substring(dot + 1) : value;
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put(value, "whole");
    forms.putIfAbsent(secret, "secret part");
    forms.putIfAbsent(secret.substring(0, Math.min(MIN_FRAGMENT, secret.length())), "first 12 characters");
    for (String form : new LinkedHashSet<>(List.of(value, secret))) {
      byte[] bytes = form.getBytes(StandardCharsets.UTF_8);
      for (int offset = 0; offset < 3; offset++) {
        forms.putIfAbsent(base64(Base64.getEncoder(), bytes, offset), "base64 at byte offset " + offset);
        forms.putIfAbsent(base64(Base64.getUrlEncoder(), bytes, offset), "base64url at byte offset " + offset);
      }
      forms.putIfAbsent(HexFormat.of().formatHex(bytes), "hex");
    }
    List<Needle> needles = new ArrayList<>();
    forms.forEach((text, form) -> {
      if (text.length() < MIN_FRAGMENT) {
        throw new IllegalArgumentException(name + " is too short to look for (" + form + ")");
      }
      needles.add(new Needle(name, form, text));
    });
    return needles;
  }

  /**
   * The characters of base64(x + bytes + y) that depend on {@code bytes} alone, for any x of
   * {@code offset} (mod 3) bytes and any y: so a secret is found inside a longer encoded text too.
   */
  static String base64(Base64.Encoder encoder, byte[] bytes, int offset) {
    byte[] shifted = new byte[offset + bytes.length];
    System.arraycopy(bytes, 0, shifted, offset, bytes.length);
    String encoded = encoder.encodeToString(shifted);
    int first = (8 * offset + 5) / 6; // the first character whose 6 bits all come from bytes
    int end = 8 * (offset + bytes.length) / 6; // past the last such character
    return encoded.substring(first, end);
  }
}
