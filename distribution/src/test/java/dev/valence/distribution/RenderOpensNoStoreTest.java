package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code valence render} is a dry run: it connects to no store, so it works while the store is down. */
class RenderOpensNoStoreTest {
    @TempDir
    Path home;

    CliFixture cli;
    /** A port nothing listens on: every connection to it is refused. */
    String down;

    @BeforeEach
    void setUp() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            down = "http://127.0.0.1:" + s.getLocalPort();
        }
        cli = new CliFixture(home);
        cli.env.put("KUBECONFIG", cli.kubeconfig("kube/config", "http://127.0.0.1:9", "ctx", "ns1").toString());
    }

    @Test
    void rendersAnS3StoresJobWhileTheS3EndpointIsDown() {
        String[] settings = {"--set", "data_store=s3://bucket/valence", "--set", "s3_endpoint=" + down, "--set",
            "region=eu-west-1"};
        CliFixture.Result r = cli.run(concat("render", settings));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("value: \"s3://bucket/valence\"") || r.out().contains("value: s3://bucket/valence"),
                r.out());
        assertTrue(r.out().contains(down.replace("http://", "")), "the pod's endpoint is in the Job\n" + r.out());
        // a run does open the store, and says it is down
        String[] doctorArgs = new String[settings.length + 3];
        doctorArgs[0] = "doctor";
        doctorArgs[1] = "--timeout";
        doctorArgs[2] = "5";
        System.arraycopy(settings, 0, doctorArgs, 3, settings.length);
        CliFixture.Result doctor = cli.run(doctorArgs);
        assertNotEquals(0, doctor.code(), doctor.toString());
    }

    @Test
    void rendersAnAzureStoresJobWhileTheBlobEndpointIsDown() {
        CliFixture.Result r = cli.run("render", "--set", "data_store=azblob://container/valence", "--set",
                "azure_blob_endpoint=" + down + "/devaccount", "--set", "azure_account=devaccount", "--set",
                "azure_account_key=" + java.util.Base64.getEncoder().encodeToString("not-a-real-key".getBytes()));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("azblob://container/valence"), r.out());
        assertTrue(!r.out().contains("not-a-real-key"), r.out());
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
