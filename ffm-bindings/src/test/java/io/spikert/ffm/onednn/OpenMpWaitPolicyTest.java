package io.spikert.ffm.onednn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** OMP_WAIT_POLICY reaches the C environment the OpenMP runtime reads (unless the user set it otherwise). */
class OpenMpWaitPolicyTest {
    @Test
    void passiveIsSetInTheCEnvironmentUnlessTheUserChoseAnother() {
        String user = System.getenv(OpenMpWaitPolicy.VARIABLE);
        boolean passive = OpenMpWaitPolicy.preferPassive();
        if (user == null || user.equalsIgnoreCase("PASSIVE")) {
            assertTrue(passive, "OMP_WAIT_POLICY=PASSIVE in the C environment");
        } else {
            assertFalse(passive, "the user's " + OpenMpWaitPolicy.VARIABLE + "=" + user + " is kept");
        }
        assertEquals(passive, OpenMpWaitPolicy.preferPassive(), "idempotent");
    }
}
