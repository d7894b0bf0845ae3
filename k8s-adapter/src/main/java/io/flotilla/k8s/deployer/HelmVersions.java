package io.flotilla.k8s.deployer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chart versions as Helm picks them from a repository index (Masterminds semver): a version that equals the
 * asked one as written wins; else the highest version satisfying it as a constraint, "" meaning any stable
 * version. Constraints: {@code = != > >= < <=} with partial versions and x/X/* wildcards, {@code ~} (same minor),
 * {@code ^} (same major, or same minor below 1.0), hyphen ranges {@code 1.2 - 1.4}, terms ANDed by commas or
 * spaces and ORed by {@code ||}. A pre-release version matches only terms ANDed with one naming a pre-release.
 */
final class HelmVersions {

  private static final Pattern VERSION = Pattern.compile(
      "v?(\\d+|[xX*])(?:\\.(\\d+|[xX*]))?(?:\\.(\\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?");
  private static final Pattern TERM = Pattern.compile("(!=|>=|=>|<=|=<|>|<|=|~>|~|\\^)?\\s*([^\\s!<>=~^]\\S*)");

  private HelmVersions() {
  }

  /** A parsed semantic version; pre-release identifiers as written, empty when none. */
  record Version(long major, long minor, long patch, String preRelease) implements Comparable<Version> {

    static Optional<Version> parse(String text) {
      Matcher m = VERSION.matcher(text.trim());
      if (!m.matches() || isWild(m.group(1)) || isWild(m.group(2)) || isWild(m.group(3))) {
        return Optional.empty();
      }
      return Optional.of(new Version(Long.parseLong(m.group(1)), number(m.group(2)), number(m.group(3)),
          m.group(4) == null ? "" : m.group(4)));
    }

    boolean isPreRelease() {
      return !preRelease.isEmpty();
    }

    @Override
    public int compareTo(Version o) {
      int c = Long.compare(major, o.major);
      if (c == 0) {
        c = Long.compare(minor, o.minor);
      }
      if (c == 0) {
        c = Long.compare(patch, o.patch);
      }
      return c != 0 ? c : comparePreRelease(preRelease, o.preRelease);
    }

    private static int comparePreRelease(String a, String b) {
      if (a.equals(b)) {
        return 0;
      }
      if (a.isEmpty() || b.isEmpty()) {
        return a.isEmpty() ? 1 : -1;
      }
      String[] x = a.split("\\.");
      String[] y = b.split("\\.");
      for (int i = 0; i < Math.min(x.length, y.length); i++) {
        boolean xNum = x[i].chars().allMatch(Character::isDigit);
        boolean yNum = y[i].chars().allMatch(Character::isDigit);
        int c;
        if (xNum && yNum) {
          c = new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i]));
        } else if (xNum != yNum) {
          c = xNum ? -1 : 1;
        } else {
          c = x[i].compareTo(y[i]);
        }
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.length, y.length);
    }
  }

  /**
   * The index entry Helm would take for {@code wanted} among {@code versions} (strings as in the index), or
   * empty. An unparseable constraint is an IllegalArgumentException.
   */
  static Optional<String> pick(Collection<String> versions, String wanted) {
    String asked = wanted == null ? "" : wanted.trim();
    if (!asked.isEmpty() && versions.contains(asked)) {
      return Optional.of(asked);
    }
    Predicate<Version> constraint = constraint(asked.isEmpty() ? "*" : asked);
    String best = null;
    Version bestVersion = null;
    for (String candidate : versions) {
      Optional<Version> version = Version.parse(candidate);
      if (version.isPresent() && constraint.test(version.get())
          && (bestVersion == null || version.get().compareTo(bestVersion) > 0)) {
        best = candidate;
        bestVersion = version.get();
      }
    }
    return Optional.ofNullable(best);
  }

  /** Whether {@code version} satisfies {@code constraint}; for tests and callers that check one version. */
  static boolean satisfies(String version, String constraint) {
    Optional<Version> parsed = Version.parse(version);
    return parsed.isPresent() && constraint(constraint).test(parsed.get());
  }

  static Predicate<Version> constraint(String text) {
    Predicate<Version> any = null;
    for (String alternative : text.split("\\|\\|")) {
      Predicate<Version> all = allOf(alternative.trim());
      any = any == null ? all : any.or(all);
    }
    return any;
  }

  private static Predicate<Version> allOf(String text) {
    Matcher hyphen = Pattern.compile("(\\S+)\\s+-\\s+(\\S+)").matcher(text);
    if (hyphen.matches()) {
      return allOf(">=" + hyphen.group(1) + ", <=" + hyphen.group(2));
    }
    List<Predicate<Version>> terms = new ArrayList<>();
    boolean namesPreRelease = false;
    Matcher m = TERM.matcher(text.replace(',', ' '));
    while (m.find()) {
      terms.add(term(m.group(1) == null ? "" : m.group(1), m.group(2)));
      namesPreRelease |= m.group(2).contains("-");
    }
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("improper constraint: " + text);
    }
    // as Masterminds' semver: pre-releases match only a group with a term that names one
    boolean allowsPreRelease = namesPreRelease;
    return v -> (!v.isPreRelease() || allowsPreRelease) && terms.stream().allMatch(t -> t.test(v));
  }

  /** One term: the version range it stands for. */
  private static Predicate<Version> term(String op, String text) {
    Matcher m = VERSION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("improper constraint: " + op + text);
    }
    String pre = m.group(4) == null ? "" : m.group(4);
    // how many leading parts are given as numbers: 0 for "*", 1 for "1" or "1.x", 2 for "1.2", 3 for "1.2.3"
    int given = isWild(m.group(1)) ? 0 : m.group(2) == null || isWild(m.group(2)) ? 1
        : m.group(3) == null || isWild(m.group(3)) ? 2 : 3;
    long major = given > 0 ? Long.parseLong(m.group(1)) : 0;
    long minor = given > 1 ? Long.parseLong(m.group(2)) : 0;
    long patch = given > 2 ? Long.parseLong(m.group(3)) : 0;
    Version low = new Version(major, minor, patch, pre);
    // the first version past the range the partial version names ("1.2" → 1.3.0), null for unbounded
    Version next = switch (given) {
      case 0 -> null;
      case 1 -> new Version(major + 1, 0, 0, "");
      case 2 -> new Version(major, minor + 1, 0, "");
      default -> null;
    };
    Predicate<Version> range = switch (op) {
      case "", "=" -> given == 3 ? v -> v.compareTo(low) == 0 : inRange(low, next);
      case "!=" -> given == 3 ? v -> v.compareTo(low) != 0 : inRange(low, next).negate();
      case ">" -> given == 3 ? v -> v.compareTo(low) > 0 : next == null ? v -> false : v -> v.compareTo(next) >= 0;
      case ">=", "=>" -> v -> v.compareTo(low) >= 0;
      case "<" -> v -> v.compareTo(low) < 0;
      case "<=", "=<" -> given == 3 ? v -> v.compareTo(low) <= 0 : next == null ? v -> true
          : v -> v.compareTo(next) < 0;
      case "~", "~>" -> inRange(low, given >= 2 ? new Version(major, minor + 1, 0, "")
          : given == 1 ? new Version(major + 1, 0, 0, "") : null);
      case "^" -> inRange(low, caretEnd(given, major, minor, patch));
      default -> throw new IllegalArgumentException("improper constraint: " + op + text);
    };
    return range;
  }

  private static Version caretEnd(int given, long major, long minor, long patch) {
    if (given == 0) {
      return null;
    }
    if (major > 0 || given == 1) {
      return new Version(major + 1, 0, 0, "");
    }
    if (minor > 0 || given == 2) {
      return new Version(0, minor + 1, 0, "");
    }
    return new Version(0, 0, patch + 1, "");
  }

  private static Predicate<Version> inRange(Version low, Version end) {
    return v -> v.compareTo(low) >= 0 && (end == null || v.compareTo(end) < 0);
  }

  private static boolean isWild(String part) {
    return part != null && (part.equals("x") || part.equals("X") || part.equals("*"));
  }

  private static long number(String part) {
    return part == null ? 0 : Long.parseLong(part);
  }
}
