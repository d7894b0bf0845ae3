package io.flotilla.persistence.testkit;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyspaceNameTest {

    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    @Test
    void namesAreValidCqlIdentifiersDerivedFromTheClassName() {
        assertValid(EmbeddedCassandraExtension.keyspaceFor("ManagedClusterRepositoryTest"), "managedclusterrepositorytest_");
        assertValid(EmbeddedCassandraExtension.keyspaceFor("Ünïcode$Test"), "n_code_test_");
        assertValid(EmbeddedCassandraExtension.keyspaceFor("_9Leading"), "leading_");
        assertValid(EmbeddedCassandraExtension.keyspaceFor(""), "test_");
        assertValid(EmbeddedCassandraExtension.keyspaceFor("1234"), "test_");
        String longName = "AVeryLongTestClassNameThatGoesOnAndOnBeyondTheLimitOfCassandraKeyspaceNamesTest";
        String ks = EmbeddedCassandraExtension.keyspaceFor(longName);
        assertValid(ks, "averylongtestclassname");
        assertTrue(ks.length() <= 48, ks);
    }

    @Test
    void everyCallGetsItsOwnSuffix() {
        assertNotEquals(EmbeddedCassandraExtension.keyspaceFor("SameTest"), EmbeddedCassandraExtension.keyspaceFor("SameTest"));
    }

    private static void assertValid(String keyspace, String prefix) {
        assertTrue(VALID.matcher(keyspace).matches(), keyspace);
        assertTrue(keyspace.startsWith(prefix), keyspace + " starts with " + prefix);
        assertTrue(keyspace.matches(".*_[0-9a-f]{8}"), keyspace);
    }
}
