package dev.valence.official;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How the follower orders what a list and a watch tell of the same object. */
class JobWatchTest {
    @Test
    void resourceVersionsCompareAsTheIntegersApiServersWrite() {
        assertTrue(JobWatch.newer("10", "9"), "as numbers, not as text");
        assertFalse(JobWatch.newer("9", "10"));
        assertFalse(JobWatch.newer("7", "7"));
    }

    @Test
    void anUnknownOrOpaqueVersionIsNeverNewerSoTheListWins() {
        assertFalse(JobWatch.newer(null, "3"));
        assertFalse(JobWatch.newer("3", null));
        assertFalse(JobWatch.newer("abc", "3"));
    }
}
