package io.flotilla.k8s.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throw-away CA certificate for flag tests (never used to serve anything). */
final class TestCa {
  static final String PEM = """
      -----BEGIN CERTIFICATE-----
      MIIBhzCCAS2gAwIBAgIUNdqrF0U3QUvFZevzVohWSBJ0sN0wCgYIKoZIzj0EAwIw
      GDEWMBQGA1UEAwwNYWdlbnQtdGVzdC1jYTAgFw0yNjExMjQxNDQ0MDdaGA8yMTI2
      MTAzMTE0NDQwN1owGDEWMBQGA1UEAwwNYWdlbnQtdGVzdC1jYTBZMBMGByqGSM49
      AgEGCCqGSM49AwEHA0IABHEikOKadBQuTAmzA0R9bnPoBR7nKt/3PQPpjpa7/GFv
      +E/23ugzSqAR117RFVmvjejH/kZ+WTTazQjS5wASmtSjUzBRMB0GA1UdDgQWBBTM
      iZ7MHmFf3uLvSMSLLm7yczjSFDAfBgNVHSMEGDAWgBTMiZ7MHmFf3uLvSMSLLm7y
      czjSFDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCICRAh/BeL1Ja
      d8FTvGq1WAD5ltjI5soSvjEF0KTRdXpiAiEAwGPQPHwUImUE9UBOTfvox6cwtCd8
      OKEqwtRoltEfkcg=
      -----END CERTIFICATE-----
      """;

  private TestCa() {}

  static Path write(Path dir) {
    try {
      return Files.writeString(dir.resolve("hub-ca.crt"), PEM);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
