package io.flotilla.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Field checks with Kubernetes' rules (apimachinery validation): each failed check adds a cause
 * naming its field, and {@link #throwIfInvalid} answers them all at once as a 422.
 */
public final class Validation {
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final List<Status.Cause> causes = new ArrayList<>();

  public List<Status.Cause> causes() {
    return causes;
  }

  public Validation required(String field, Object value) {
    if (value == null || (value instanceof String s && s.isEmpty())) {
      fail(field, "FieldValueRequired", "Required value");
    }
    return this;
  }

  public Validation dns1123Label(String field, String value, int maxLength) {
    if (value == null) {
      return this;
    }
    if (value.length() > maxLength) {
      fail(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": must be no more than " + maxLength + " characters");
    } else if (!DNS1123_LABEL.matcher(value).matches()) {
      fail(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": a lowercase RFC 1123 label must consist of"
          + " lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
    }
    return this;
  }

  public Validation dns1123Subdomain(String field, String value, int maxLength) {
    if (value == null) {
      return this;
    }
    if (value.length() > maxLength) {
      fail(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": must be no more than " + maxLength + " characters");
    } else if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      fail(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": a lowercase RFC 1123 subdomain must consist of"
          + " lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }
    return this;
  }

  public Validation uuid(String field, String value) {
    if (value != null && !isUuid(value)) {
      fail(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": must be a UUID");
    }
    return this;
  }

  public Validation oneOf(String field, String value, List<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      fail(field, "FieldValueNotSupported", "Unsupported value: \"" + value + "\": supported values: " + allowed);
    }
    return this;
  }

  public Validation labels(String field, Map<String, String> labels) {
    if (labels == null) {
      return this;
    }
    labels.forEach((key, value) -> {
      if (!isQualifiedName(key)) {
        fail(field, "FieldValueInvalid", "Invalid value: \"" + key + "\": a label key must be a qualified name"
            + " (an optional DNS subdomain prefix and '/', then 1-63 alphanumerics, '-', '_' or '.')");
      }
      if (value == null || value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
        fail(field + "[" + key + "]", "FieldValueInvalid", "Invalid value: \"" + value + "\": a label value must be"
            + " empty or at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
      }
    });
    return this;
  }

  public Validation check(boolean ok, String field, String message) {
    if (!ok) {
      fail(field, "FieldValueInvalid", message);
    }
    return this;
  }

  public void throwIfInvalid(String kind, String name) {
    if (!causes.isEmpty()) {
      throw StatusException.invalid(kind, name, causes);
    }
  }

  private void fail(String field, String reason, String message) {
    causes.add(new Status.Cause(reason, message, field));
  }

  public static boolean isUuid(String value) {
    if (!UUID_TEXT.matcher(value).matches()) {
      return false;
    }
    UUID.fromString(value);
    return true;
  }

  static boolean isQualifiedName(String key) {
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty() || prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        return false;
      }
    }
    return !name.isEmpty() && name.length() <= 63 && QUALIFIED_NAME.matcher(name).matches();
  }
}
