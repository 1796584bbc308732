package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobNamesTest {
    @Test
    void theSameIdsAlwaysGiveTheSameName() {
        assertEquals(JobNames.jobName("3f2a9c", "join_words"), JobNames.jobName("3f2a9c", "join_words"));
        assertTrue(JobNames.jobName("3f2a9c", "join_words").startsWith("valence-3f2a9c-join-words-"));
    }

    @Test
    void idsThatCleanUpAlikeStillGetDifferentNames() {
        assertNotEquals(JobNames.jobName("d", "join_words"), JobNames.jobName("d", "join.words"));
        assertNotEquals(JobNames.jobName("d", "Join"), JobNames.jobName("d", "join"));
    }

    @ParameterizedTest
    @CsvSource({
        "abc, x",
        "A-VERY-LONG-DISPATCH-ID-THAT-GOES-ON-AND-ON, node_with_a_name_that_is_far_too_long_for_a_kubernetes_job_name_really",
        "___, ___",
        "ünïcödé, 日本語",
        "123, -node-"})
    void everyNameIsAValidDns1123LabelOfAtMost63Characters(String dispatch, String node) {
        String name = JobNames.jobName(dispatch, node);
        assertTrue(name.length() <= 63, name);
        assertTrue(name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), name);
        assertEquals(name, JobNames.requireValid(name));
    }

    @Test
    void aBadJobNameFromAUserIsRefusedWithWhatIsAccepted() {
        ValenceException e = assertThrows(ValenceException.class, () -> JobNames.requireValid("Job_1"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals("Job name 'Job_1' is not valid: expected a DNS-1123 label: 1 to 63 lowercase letters, digits "
                + "and '-', starting and ending with a letter or digit", e.getMessage());
    }

    @Test
    void labelValuesKeepValidIdsAndCleanOthers() {
        assertEquals("join_words", JobNames.labelValue("join_words"));
        String cleaned = JobNames.labelValue("a b/c");
        assertTrue(cleaned.matches("a-b-c-[0-9a-f]{8}"), cleaned);
    }
}
