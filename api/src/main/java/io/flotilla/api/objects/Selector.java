package io.flotilla.api.objects;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A label selector ({@code a=b,c!=d,e in (x,y),f notin (z),g,!h}) or a field selector ({@code a=b,c!=d}),
 * with kube's semantics: {@code !=} and {@code notin} also match objects that lack the key.
 */
public final class Selector {

  public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

  public record Requirement(String key, Operator operator, Set<String> values) {
    public boolean matches(String actual) {
      return switch (operator) {
        case EQUALS, IN -> actual != null && values.contains(actual);
        case NOT_EQUALS, NOT_IN -> actual == null || !values.contains(actual);
        case EXISTS -> actual != null;
        case DOES_NOT_EXIST -> actual == null;
      };
    }
  }

  private static final Selector EVERYTHING = new Selector(List.of());

  private static final Pattern LABEL_KEY =
      Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  private static final String SPECIAL = "!=(),";

  private final List<Requirement> requirements;

  private Selector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  public List<Requirement> requirements() {
    return requirements;
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** {@code lookup} answers a key's value, or null when the object lacks it. */
  public boolean matches(Function<String, String> lookup) {
    return requirements.stream().allMatch(r -> r.matches(lookup.apply(r.key())));
  }

  /** Parses a label selector; throws IllegalArgumentException with kube-like wording when malformed. */
  public static Selector parseLabels(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    Tokens tokens = new Tokens(lex(text));
    List<Requirement> requirements = new ArrayList<>();
    do {
      requirements.add(parseRequirement(tokens));
    } while (tokens.accept(","));
    if (!tokens.atEnd()) {
      throw new IllegalArgumentException("unable to parse requirement: unexpected '" + tokens.peek() + "'");
    }
    return new Selector(requirements);
  }

  /**
   * Converts a metav1.LabelSelector ({@code {matchLabels:{}, matchExpressions:[{key, operator, values}]}}) as
   * kube's LabelSelectorAsSelector does; an empty or absent selector selects everything. Throws
   * IllegalArgumentException for an unknown operator, bad keys or values, or values that contradict the operator.
   */
  public static Selector fromLabelSelector(JsonNode labelSelector) {
    if (labelSelector == null || labelSelector.isNull() || labelSelector.isMissingNode()) {
      return EVERYTHING;
    }
    List<Requirement> requirements = new ArrayList<>();
    labelSelector.path("matchLabels").fields().forEachRemaining(label -> requirements.add(
        checked(label.getKey(), Operator.EQUALS, Set.of(label.getValue().asText()))));
    for (JsonNode expression : labelSelector.path("matchExpressions")) {
      String key = expression.path("key").asText();
      Set<String> values = new LinkedHashSet<>();
      expression.path("values").forEach(v -> values.add(v.asText()));
      requirements.add(checked(key, expressionOperator(expression.path("operator").asText()), values));
    }
    return requirements.isEmpty() ? EVERYTHING : new Selector(requirements);
  }

  private static Operator expressionOperator(String operator) {
    return switch (operator) {
      case "In" -> Operator.IN;
      case "NotIn" -> Operator.NOT_IN;
      case "Exists" -> Operator.EXISTS;
      case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
      default -> throw new IllegalArgumentException("\"" + operator + "\" is not a valid label selector operator");
    };
  }

  /** The checks kube's labels.NewRequirement makes. */
  private static Requirement checked(String key, Operator operator, Set<String> values) {
    if (!LABEL_KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("invalid label key \"" + key + "\"");
    }
    boolean setOperator = operator == Operator.IN || operator == Operator.NOT_IN;
    boolean existence = operator == Operator.EXISTS || operator == Operator.DOES_NOT_EXIST;
    if (setOperator && values.isEmpty()) {
      throw new IllegalArgumentException(
          "values: for 'in', 'notin' operators, values set can't be empty (key " + key + ")");
    }
    if (existence && !values.isEmpty()) {
      throw new IllegalArgumentException(
          "values: values set must be empty for exists and does not exist (key " + key + ")");
    }
    for (String value : values) {
      if (!LABEL_VALUE.matcher(value).matches() || value.length() > 63) {
        throw new IllegalArgumentException("invalid label value \"" + value + "\" for key " + key);
      }
    }
    return new Requirement(key, operator, values);
  }

  /** Parses a field selector: only equality terms, values taken verbatim. */
  public static Selector parseFields(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> requirements = new ArrayList<>();
    for (String term : text.split(",")) {
      int at;
      Operator operator;
      int width;
      if ((at = term.indexOf("!=")) >= 0) {
        operator = Operator.NOT_EQUALS;
        width = 2;
      } else if ((at = term.indexOf("==")) >= 0) {
        operator = Operator.EQUALS;
        width = 2;
      } else if ((at = term.indexOf('=')) >= 0) {
        operator = Operator.EQUALS;
        width = 1;
      } else {
        throw new IllegalArgumentException("invalid selector: '" + text + "'; can't understand '" + term + "'");
      }
      requirements.add(new Requirement(term.substring(0, at).trim(), operator,
          Set.of(term.substring(at + width).trim())));
    }
    return new Selector(requirements);
  }

  private static Requirement parseRequirement(Tokens tokens) {
    if (tokens.accept("!")) {
      return new Requirement(key(tokens), Operator.DOES_NOT_EXIST, Set.of());
    }
    String key = key(tokens);
    if (tokens.atEnd() || tokens.peekIs(",")) {
      return new Requirement(key, Operator.EXISTS, Set.of());
    }
    String op = tokens.next();
    return switch (op) {
      case "=", "==" -> new Requirement(key, Operator.EQUALS, Set.of(value(tokens)));
      case "!=" -> new Requirement(key, Operator.NOT_EQUALS, Set.of(value(tokens)));
      case "in" -> new Requirement(key, Operator.IN, valueSet(tokens));
      case "notin" -> new Requirement(key, Operator.NOT_IN, valueSet(tokens));
      default -> throw new IllegalArgumentException(
          "unable to parse requirement: found '" + op + "', expected: in, notin, =, ==, !=");
    };
  }

  private static String key(Tokens tokens) {
    String key = tokens.atEnd() ? "" : tokens.next();
    if (!LABEL_KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("unable to parse requirement: invalid label key \"" + key + "\"");
    }
    return key;
  }

  /** A value may be empty ({@code a=} selects objects whose label a is ""). */
  private static String value(Tokens tokens) {
    String value = tokens.atEnd() || tokens.peekIs(",") || tokens.peekIs(")") ? "" : tokens.next();
    if (!LABEL_VALUE.matcher(value).matches() || value.length() > 63) {
      throw new IllegalArgumentException("unable to parse requirement: invalid label value \"" + value + "\"");
    }
    return value;
  }

  private static Set<String> valueSet(Tokens tokens) {
    if (!tokens.accept("(")) {
      throw new IllegalArgumentException("unable to parse requirement: expected '(' after in/notin");
    }
    Set<String> values = new LinkedHashSet<>();
    do {
      values.add(value(tokens));
    } while (tokens.accept(","));
    if (!tokens.accept(")")) {
      throw new IllegalArgumentException("unable to parse requirement: expected ')'");
    }
    return values;
  }

  /** Splits into words and the operators ! = == != ( ) , ; whitespace only separates. */
  private static List<String> lex(String text) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(' || c == ')' || c == ',') {
        tokens.add(String.valueOf(c));
        i++;
      } else if (c == '!' || c == '=') {
        boolean doubled = i + 1 < text.length() && text.charAt(i + 1) == '=';
        tokens.add(doubled ? c + "=" : String.valueOf(c));
        i += doubled ? 2 : 1;
      } else {
        int start = i;
        while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && SPECIAL.indexOf(text.charAt(i)) < 0) {
          i++;
        }
        tokens.add(text.substring(start, i));
      }
    }
    return tokens;
  }

  private static final class Tokens {
    private final List<String> tokens;
    private int position;

    Tokens(List<String> tokens) {
      this.tokens = tokens;
    }

    boolean atEnd() {
      return position >= tokens.size();
    }

    String peek() {
      return tokens.get(position);
    }

    boolean peekIs(String token) {
      return !atEnd() && peek().equals(token);
    }

    String next() {
      return tokens.get(position++);
    }

    boolean accept(String token) {
      if (peekIs(token)) {
        position++;
        return true;
      }
      return false;
    }
  }
}
