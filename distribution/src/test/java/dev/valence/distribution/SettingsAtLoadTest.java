package dev.valence.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Settings that used to pass load and fail later (or never): each fails {@code valence config} at
 * once (exit 2) naming the key, the value, where it came from and what is accepted. {@code {file}} in
 * an expected text is the config file's path.
 */
class SettingsAtLoadTest {
    @TempDir
    Path home;

    CliFixture cli;
    Path file;

    @BeforeEach
    void setUp() {
        cli = new CliFixture(home);
        file = home.resolve(".config/valence/valence.toml");
    }

    /** A mistake: the file's text (or a --set), and what the error must say. */
    static Stream<Arguments> mistakes() {
        return Stream.of(
                row("a key beside [executors.k8s]", "vcpu = \"2\"\n[executors.k8s]\nmemory = \"1G\"\n",
                        "config file '{file}': key 'vcpu' (line 1) is outside any table, where Valence does not read it; "
                                + "put it under the [executors.k8s] line"),
                row("a typo'd table [executor.k8s]", "[executor.k8s]\nvcpu = \"2\"\n",
                        "config file '{file}': table [executor.k8s] (line 1) is not read by Valence: did you mean "
                                + "[executors.k8s]?"),
                row("a typo'd table [executors.k8]", "[executors.k8]\nvcpu = \"2\"\n",
                        "table [executors.k8] (line 1) is not read by Valence: did you mean [executors.k8s]?"),
                row("cluster_client fabric9", "[executors.k8s]\ncluster_client = \"fabric9\"\n",
                        "cluster_client 'fabric9' (from {file}) is not valid: did you mean 'fabric8'? accepted: the name "
                                + "of an installed cluster client (fabric8, official;"),
                row("cluster_client by --set", "--set cluster_client=offical",
                        "cluster_client 'offical' (from --set) is not valid: did you mean 'official'?"),
                row("base_image that is no image reference", "[executors.k8s]\nbase_image = \"Eclipse Temurin:17\"\n",
                        "base_image 'Eclipse Temurin:17' (from {file}) is not valid: expected an image reference "
                                + "[registry[:port]/]repository[:tag][@sha256:digest]"),
                row("base_image with an upper-case repository", "[executors.k8s]\nbase_image = \"Eclipse-Temurin:17\"\n",
                        "base_image 'Eclipse-Temurin:17' (from {file}) is not valid: expected an image reference"),
                row("the seed's base_image: Python has no Java",
                        "[executors.k8s]\nbase_image = \"python:3.8-slim-bullseye\"\n",
                        "base_image 'python:3.8-slim-bullseye' (from {file}) is not valid: 'python' images have no Java, "
                                + "and the task's launcher is a Java program; use a JRE image such as eclipse-temurin:17-jre"),
                row("the seed's registry = localhost", "[executors.k8s]\nregistry = \"localhost\"\n",
                        "registry 'localhost' (from {file}) is not valid: 'localhost' (the Python plugin's word for "
                                + "minikube's own image store) has no port: write registry = \"tar\" to build an image tar "
                                + "for 'minikube image load', or \"localhost:5000\""),
                row("an AWS credentials file as registry_credentials_file",
                        "[executors.k8s]\nregistry_credentials_file = \"{aws}\"\n",
                        "registry_credentials_file '{aws}' (from {file}) is not valid: this is an AWS shared-credentials "
                                + "file ([default] with aws_access_key_id), not registry credentials; Valence wants a TOML "
                                + "file with username = \"...\" and password = \"...\""),
                row("an Azure container name too short", "[executors.k8s]\ndata_store = \"azblob://ab/runs\"\n",
                        "data_store 'azblob://ab/runs' (from {file}) is not valid: expected azblob://container/prefix: a "
                                + "container name of 3-63 lowercase letters"),
                row("an Azure container name with two dashes", "[executors.k8s]\ndata_store = \"azblob://a--b/runs\"\n",
                        "data_store 'azblob://a--b/runs' (from {file}) is not valid: expected azblob://container/prefix"),
                row("an S3 bucket name with upper case", "[executors.k8s]\ndata_store = \"s3://My_Bucket/runs\"\n",
                        "data_store 's3://My_Bucket/runs' (from {file}) is not valid: expected s3://bucket/prefix"),
                row("poll_freq = 1e300", "[executors.k8s]\npoll_freq = 1e300\n",
                        "poll_freq '1.0E300' (from {file}) is not valid: expected from 0.001 (1 ms) to 2147483647 "
                                + "seconds"),
                row("timeout of a century", "[executors.k8s]\ntimeout = \"900000h\"\n",
                        "timeout '900000h' (from {file}) is not valid: expected from 0.001 (1 ms) to 2147483647 seconds"));
    }

    private static Arguments row(String name, String text, String expected) {
        return Arguments.of(name, text, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void failsAtLoadNamingKeyValueSourceAndWhatIsAccepted(String name, String text, String expected) {
        Path aws = cli.write(".aws/credentials", "[default]\naws_access_key_id = AKIAEXAMPLEKEY\n"
                + "aws_secret_access_key = s3cr3tValue/xyz\n");
        CliFixture.Result r;
        if (text.startsWith("--set ")) {
            r = cli.run("config", "--set", text.substring("--set ".length()));
        } else {
            cli.write(".config/valence/valence.toml", text.replace("{aws}", aws.toString()));
            r = cli.run("config");
        }
        String wanted = expected.replace("{file}", file.toString()).replace("{aws}", aws.toString());
        assertEquals(2, r.code(), name + ": " + r);
        assertTrue(r.err().contains(wanted), name + ": expected\n" + wanted + "\nin\n" + r);
        assertFalse(r.all().contains("s3cr3tValue") || r.all().contains("AKIAEXAMPLEKEY"), "no secret shown: " + r);
    }

    @Test
    void aCovalentConfigsOtherTablesAndANamedExecutorStillLoad() {
        cli.write(".config/valence/valence.toml", """
                [sdk]
                log_level = "info"
                [executors.dask]
                cache_dir = "/tmp"
                [executors.k8s]
                base_image = "ghcr.io/acme/jre:17@sha256:%s"
                registry = "tar"
                cluster_client = "official"
                poll_freq = 2.5
                [executors.k8s.eks]
                registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
                """.formatted("a".repeat(64)));
        CliFixture.Result r = cli.run("config", "--named", "eks");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("cluster_client"), r.out());
    }

    @Test
    void doctorTimeoutZeroIsRefused() {
        CliFixture.Result r = cli.run("doctor", "--timeout", "0");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("valence: --timeout must be 1 or more seconds, was 0"), r.err());
    }

    @Test
    void aFileWithoutExecutorsK8sButNoTypoStillLoadsWithTheDefaults() {
        cli.write(".config/valence/valence.toml", "[executors.dask]\nworkers = 2\n");
        CliFixture.Result r = cli.run("config");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("vcpu\\s+= 500m\\s+# default")), r.out());
    }
}
