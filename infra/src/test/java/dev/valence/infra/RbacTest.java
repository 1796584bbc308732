package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RbacTest {

    /**
     * What the executor's cluster adapters call, as {@code group/resource:verb} ({@code resource:verb} for the
     * core group). Kept in the resource file {@code executor-permissions.txt} too, for other modules' tests.
     */
    static final Set<String> EXECUTOR_PERMISSIONS = Set.of(
            "batch/jobs:create", "batch/jobs:get", "batch/jobs:list", "batch/jobs:watch", "batch/jobs:delete",
            "pods:get", "pods:list", "pods:watch",
            "pods/log:get", "events:list");

    static final String NAMESPACE = "valence";
    static final String EXECUTOR_ACCOUNT = "valence";
    static final String TASK_ACCOUNT = "valence-task";
    static final String EXECUTOR_GROUP = "valence-executors";

    private List<HasMetadata> items;

    @BeforeEach
    void parse() {
        items = parseRbac();
    }

    static List<HasMetadata> parseRbac() {
        Object parsed = Serialization.unmarshal(InfraFiles.read("rbac.yaml"));
        List<?> list = (List<?>) parsed;
        return list.stream().map(HasMetadata.class::cast).toList();
    }

    @Test
    void declaresNamespaceAccountsRoleAndBinding() {
        assertEquals(List.of("Namespace/valence", "ServiceAccount/valence", "ServiceAccount/valence-task",
                        "Role/valence-executor", "RoleBinding/valence-executor"),
                items.stream().map(i -> i.getKind() + "/" + i.getMetadata().getName()).toList());
        items.stream().filter(i -> !(i instanceof Namespace)).forEach(i ->
                assertEquals(NAMESPACE, i.getMetadata().getNamespace(), i.getKind() + " " + i.getMetadata().getName()));
        items.forEach(i -> assertEquals("valence", i.getMetadata().getLabels().get("app.kubernetes.io/managed-by")));
    }

    @Test
    void taskAccountHasNoApiToken() {
        ServiceAccount task = one(ServiceAccount.class, TASK_ACCOUNT);
        assertEquals(Boolean.FALSE, task.getAutomountServiceAccountToken(),
                "task pods do not talk to the Kubernetes API (IRSA uses its own projected token)");
        ServiceAccount executor = one(ServiceAccount.class, EXECUTOR_ACCOUNT);
        assertFalse(Boolean.FALSE.equals(executor.getAutomountServiceAccountToken()),
                "the in-cluster executor needs its token");
    }

    @Test
    void roleGrantsExactlyTheExecutorPermissions() {
        Role role = one(Role.class, "valence-executor");
        assertEquals(new TreeSet<>(EXECUTOR_PERMISSIONS), permissions(role.getRules()));
        for (PolicyRule rule : role.getRules()) {
            assertFalse(rule.getVerbs().contains("*"), "no wildcard verb");
            assertFalse(rule.getResources().contains("*"), "no wildcard resource");
            assertFalse(rule.getApiGroups().contains("*"), "no wildcard API group");
            assertTrue(rule.getNonResourceURLs() == null || rule.getNonResourceURLs().isEmpty());
        }
    }

    @Test
    void permissionExpansionSeesAnExtraVerb() {
        Role role = one(Role.class, "valence-executor");
        role.getRules().get(1).getVerbs().add("delete");
        assertTrue(permissions(role.getRules()).contains("pods:delete"));
        assertFalse(permissions(role.getRules()).equals(new TreeSet<>(EXECUTOR_PERMISSIONS)));
    }

    @Test
    void bindingGivesTheRoleToTheExecutorAccountAndGroup() {
        RoleBinding binding = one(RoleBinding.class, "valence-executor");
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals("valence-executor", binding.getRoleRef().getName());
        assertEquals("rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup());
        Set<String> subjects = binding.getSubjects().stream().map(RbacTest::subject).collect(Collectors.toSet());
        assertEquals(Set.of("ServiceAccount:valence/valence", "Group:valence-executors"), subjects);
    }

    @Test
    void permissionsFileMatchesTheConstant() throws IOException {
        try (InputStream in = RbacTest.class.getResourceAsStream("/executor-permissions.txt")) {
            assertNotNull(in, "executor-permissions.txt on the test class path");
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
            assertEquals(lines.size(), Set.copyOf(lines).size(), "no duplicate line");
            assertEquals(EXECUTOR_PERMISSIONS, Set.copyOf(lines));
        }
    }

    /** Every {@code group/resource:verb} (or {@code resource:verb} for the core group) the rules grant. */
    static Set<String> permissions(List<PolicyRule> rules) {
        Set<String> out = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        out.add((group.isEmpty() ? "" : group + "/") + resource + ":" + verb);
                    }
                }
            }
        }
        return out;
    }

    private static String subject(Subject s) {
        return s.getKind() + ":" + (s.getNamespace() == null ? "" : s.getNamespace() + "/") + s.getName();
    }

    private <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = items.stream().filter(type::isInstance).map(type::cast)
                .filter(i -> Objects.equals(name, i.getMetadata().getName())).toList();
        assertEquals(1, found.size(), type.getSimpleName() + " " + name);
        return found.get(0);
    }
}
