package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.util.Yaml;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Submits the manifests to a Kubernetes API (fabric8's mock server in CRUD mode, on loopback) through both
 * client libraries the cluster adapters use, fabric8 and the official client-java, and reads them back.
 */
@Timeout(60)
class ManifestsOnApiServerTest {

    private static final String JOB_NAMESPACE = "jobs";

    private KubernetesMockServer server;
    private KubernetesClient fabric8;
    private ApiClient official;

    @BeforeEach
    void startApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        fabric8 = server.createClient();
        String url = server.url("/");
        official = new ApiClient().setBasePath(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    @AfterEach
    void stopApiServer() {
        if (fabric8 != null) {
            fabric8.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void sampleJobIsAcceptedThroughFabric8() {
        Job parsed = Serialization.unmarshal(InfraFiles.read("sample_job.yaml"), Job.class);
        List<HasMetadata> loaded = fabric8.load(stream("sample_job.yaml")).items();
        assertEquals(1, loaded.size());

        fabric8.resource(loaded.get(0)).inNamespace(JOB_NAMESPACE).create();

        Job stored = fabric8.batch().v1().jobs().inNamespace(JOB_NAMESPACE).withName("valence-sample").get();
        assertNotNull(stored, "the Job reads back");
        assertNotNull(stored.getMetadata().getUid(), "the API server stored it");
        assertEquals(parsed.getSpec(), stored.getSpec());
        assertEquals(parsed.getMetadata().getLabels(), stored.getMetadata().getLabels());
        assertEquals(1, fabric8.batch().v1().jobs().inNamespace(JOB_NAMESPACE)
                .withLabel("app.kubernetes.io/managed-by", "valence").list().getItems().size());
    }

    @Test
    void sampleJobIsAcceptedThroughClientJava() throws IOException, ApiException {
        V1Job job = Yaml.loadAs(InfraFiles.file("sample_job.yaml").toFile(), V1Job.class);
        BatchV1Api batch = new BatchV1Api(official);

        batch.createNamespacedJob(JOB_NAMESPACE, job).execute();

        V1Job stored = batch.readNamespacedJob("valence-sample", JOB_NAMESPACE).execute();
        assertEquals(job.getSpec(), stored.getSpec());
        assertEquals("Never", stored.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertEquals(List.of("ALL"),
                stored.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext()
                        .getCapabilities().getDrop());
    }

    @Test
    void rbacIsAcceptedThroughFabric8() {
        for (HasMetadata item : fabric8.load(stream("rbac.yaml")).items()) {
            fabric8.resource(item).create();
        }

        assertNotNull(fabric8.namespaces().withName("valence").get());
        assertEquals(2, fabric8.serviceAccounts().inNamespace("valence").list().getItems().size());
        Role role = fabric8.rbac().roles().inNamespace("valence").withName("valence-executor").get();
        assertEquals(RbacTest.EXECUTOR_PERMISSIONS, RbacTest.permissions(role.getRules()));
        RoleBinding binding = fabric8.rbac().roleBindings().inNamespace("valence").withName("valence-executor").get();
        assertEquals("valence-executor", binding.getRoleRef().getName());
    }

    @Test
    void rbacIsAcceptedThroughClientJava() throws IOException, ApiException {
        CoreV1Api core = new CoreV1Api(official);
        RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(official);
        List<Object> docs = Yaml.loadAll(InfraFiles.file("rbac.yaml").toFile());
        assertEquals(5, docs.size());

        for (Object doc : docs) {
            if (doc instanceof V1Namespace ns) {
                core.createNamespace(ns).execute();
            } else if (doc instanceof V1ServiceAccount sa) {
                core.createNamespacedServiceAccount(sa.getMetadata().getNamespace(), sa).execute();
            } else if (doc instanceof V1Role role) {
                rbac.createNamespacedRole(role.getMetadata().getNamespace(), role).execute();
            } else if (doc instanceof V1RoleBinding binding) {
                rbac.createNamespacedRoleBinding(binding.getMetadata().getNamespace(), binding).execute();
            } else {
                fail("unexpected document in rbac.yaml: " + doc.getClass().getSimpleName());
            }
        }

        V1ServiceAccount task = core.readNamespacedServiceAccount("valence-task", "valence").execute();
        assertEquals(Boolean.FALSE, task.getAutomountServiceAccountToken());
        V1Role role = rbac.readNamespacedRole("valence-executor", "valence").execute();
        assertEquals(4, role.getRules().size());
        assertEquals(List.of("create", "get", "list", "watch", "delete"), role.getRules().get(0).getVerbs());
        V1RoleBinding binding = rbac.readNamespacedRoleBinding("valence-executor", "valence").execute();
        assertEquals(2, binding.getSubjects().size());
    }

    private static ByteArrayInputStream stream(String file) {
        return new ByteArrayInputStream(InfraFiles.read(file).getBytes(StandardCharsets.UTF_8));
    }
}
