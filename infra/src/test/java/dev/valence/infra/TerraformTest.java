package dev.valence.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.valence.api.Settings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;
import tools.jackson.databind.JsonNode;

/**
 * Checks infra/eks without a terraform binary or providers: every file goes through HashiCorp's HCL parser
 * ({@code @cdktf/hcl2json}), then the JSON form is checked for what a plan would need (declared variables,
 * locals and resources) and for the least-privilege rules of the stack.
 */
@Timeout(180)
class TerraformTest {

    /** Variable names of the seed plugin's infra, kept so its users find their way. */
    static final List<String> SEED_VARIABLES = List.of("name", "aws_region", "aws_ecr_repo", "aws_s3_bucket",
            "vpc_cidr", "instance_types", "disk_size", "min_size", "max_size", "desired_size");

    /** The valence.toml keys the stack provides, each also a Terraform output. */
    static final List<String> VALENCE_TOML_KEYS = List.of("registry", "image_repo", "data_store", "region",
            "k8s_context", "namespace", "service_account");

    static final String BUCKET_ARN = "${aws_s3_bucket.data_store.arn}";
    static final String PREFIX_OBJECTS = BUCKET_ARN + "/${var.data_store_prefix}/*";
    static final String REPOSITORY_ARN = "${aws_ecr_repository.task.arn}";
    static final String CLUSTER_ARN = "${aws_eks_cluster.this.arn}";

    private static final Pattern VAR = Pattern.compile("\\bvar\\.([A-Za-z_][A-Za-z0-9_-]*)");
    private static final Pattern LOCAL = Pattern.compile("\\blocal\\.([A-Za-z_][A-Za-z0-9_-]*)");
    private static final Pattern REFERENCE =
            Pattern.compile("(?<![\\w.\"-])(data\\.)?((?:aws|tls)_[a-z0-9_]+)\\.([a-z0-9_]+)");
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([^}]+)}");

    private static Path eks;
    private static Map<Path, JsonNode> tf;
    private static Map<Path, String> tfText;
    private static JsonNode tfvars;

    @BeforeAll
    static void parseAll() throws IOException {
        eks = InfraFiles.file("eks");
        List<Path> files;
        try (Stream<Path> s = Files.list(eks)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".tf")).sorted().toList();
        }
        Path defaults = eks.resolve("defaults.tfvars");
        List<Path> all = new ArrayList<>(files);
        all.add(defaults);
        Map<Path, JsonNode> parsed = Hcl2Json.parse(all);
        tfvars = parsed.remove(defaults);
        tf = parsed;
        tfText = new LinkedHashMap<>();
        for (Path f : files) {
            tfText.put(f, Files.readString(f, StandardCharsets.UTF_8));
        }
    }

    // ---- syntax and references ----

    @Test
    void hasTheExpectedFiles() {
        Set<String> names = new TreeSet<>();
        tf.keySet().forEach(p -> names.add(p.getFileName().toString()));
        assertTrue(names.containsAll(Set.of("versions.tf", "variables.tf", "outputs.tf")), names.toString());
        assertNotNull(tfvars);
    }

    @Test
    void syntaxCheckRejectsBrokenHcl(@TempDir Path scratch) {
        String error = Hcl2Json.syntaxError(scratch, "resource \"aws_s3_bucket\" \"x\" {\n  bucket = \"b\"\n");
        assertTrue(error.contains("Unclosed configuration block"), error);
        assertEquals("", Hcl2Json.syntaxError(scratch, "variable \"x\" {\n  default = 1\n}\n"));
    }

    @Test
    void usesAwsProviderVersion5() {
        JsonNode aws = only(all("terraform")).path("required_providers").get(0).path("aws");
        assertEquals("hashicorp/aws", aws.path("source").asString());
        assertTrue(aws.path("version").asString().matches("~> 5(\\.\\d+)*"), aws.toString());
    }

    @Test
    void everyVariableUsedIsDeclaredAndEveryDeclaredOneIsUsed() {
        Set<String> declared = variables().keySet();
        Set<String> used = new TreeSet<>();
        tfText.values().forEach(t -> VAR.matcher(t).results().forEach(m -> used.add(m.group(1))));
        Set<String> undeclared = new TreeSet<>(used);
        undeclared.removeAll(declared);
        assertEquals(Set.of(), undeclared, "var.X used but not declared in variables.tf");
        Set<String> unused = new TreeSet<>(declared);
        unused.removeAll(used);
        assertEquals(Set.of(), unused, "declared in variables.tf but never used");
        variables().forEach((name, v) -> assertFalse(v.path("description").asString("").isBlank(),
                "variable " + name + " has a description"));
    }

    @Test
    void everyLocalUsedIsDefined() {
        Set<String> defined = locals().keySet();
        Set<String> used = new TreeSet<>();
        tfText.values().forEach(t -> LOCAL.matcher(t).results().forEach(m -> used.add(m.group(1))));
        used.removeAll(defined);
        assertEquals(Set.of(), used, "local.X used but not defined in a locals block");
    }

    @Test
    void everyReferencedResourceAndDataSourceIsDeclared() {
        Set<String> missing = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        for (var e : tfText.entrySet()) {
            String code = withoutComments(e.getValue());
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) {
                seen.add(m.group());
                String kind = m.group(1) == null ? "resource" : "data";
                if (!blocks(kind, m.group(2)).containsKey(m.group(3))) {
                    missing.add(e.getKey().getFileName() + ": " + m.group());
                }
            }
        }
        assertEquals(Set.of(), missing, "references to undeclared resources or data sources");
        assertTrue(seen.size() >= 25, "the scan found the stack's references: " + seen);
    }

    @Test
    void referenceCheckSeesAnUndeclaredResource() {
        Matcher m = REFERENCE.matcher("subnet_ids = aws_subnet.missing[*].id");
        assertTrue(m.find());
        assertFalse(blocks("resource", m.group(2)).containsKey(m.group(3)));
    }

    @Test
    void defaultsTfvarsSetsOnlyDeclaredVariablesWithTheSeedNames() {
        Set<String> set = new TreeSet<>(tfvars.propertyNames());
        Set<String> undeclared = new TreeSet<>(set);
        undeclared.removeAll(variables().keySet());
        assertEquals(Set.of(), undeclared, "defaults.tfvars sets variables that variables.tf does not declare");
        assertTrue(set.containsAll(SEED_VARIABLES), "defaults.tfvars keeps the seed's names: " + SEED_VARIABLES);
        assertTrue(tfvars.path("disk_size").asInt() >= 20, "Amazon Linux 2023 node AMIs need 20 GiB");
        assertTrue(tfvars.path("min_size").asInt() <= tfvars.path("desired_size").asInt());
        assertTrue(tfvars.path("desired_size").asInt() <= tfvars.path("max_size").asInt());
    }

    @Test
    void variableDefaultsMatchTheRbacManifest() {
        List<HasMetadata> rbac = RbacTest.parseRbac();
        assertEquals(RbacTest.NAMESPACE, variableDefault("namespace"));
        assertEquals(RbacTest.TASK_ACCOUNT, variableDefault("task_service_account"));
        assertEquals(RbacTest.EXECUTOR_GROUP, variableDefault("executor_group"));
        assertTrue(rbac.stream().anyMatch(i -> i instanceof ServiceAccount
                && i.getMetadata().getName().equals(variableDefault("task_service_account"))
                && i.getMetadata().getNamespace().equals(variableDefault("namespace"))));
        assertTrue(rbac.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .flatMap(b -> b.getSubjects().stream())
                .anyMatch(s -> s.getKind().equals("Group") && s.getName().equals(variableDefault("executor_group"))));
    }

    // ---- what the stack creates ----

    @Test
    void createsVpcClusterNodeGroupsRepositoryAndBucket() {
        for (String type : List.of("aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eks_cluster",
                "aws_eks_node_group", "aws_ecr_repository", "aws_s3_bucket", "aws_iam_openid_connect_provider")) {
            assertFalse(blocks("resource", type).isEmpty(), "a " + type);
        }
        JsonNode nodes = blocks("resource", "aws_eks_node_group").get("default");
        assertTrue(nodes.path("count").isMissingNode(), "the default node group always exists");
        assertEquals("${var.instance_types}", nodes.path("instance_types").asString());
        JsonNode gpu = blocks("resource", "aws_eks_node_group").get("gpu");
        assertEquals("${var.gpu_enabled ? 1 : 0}", gpu.path("count").asString(), "the GPU group is optional");
        assertEquals("nvidia.com/gpu", gpu.path("taint").get(0).path("key").asString());
    }

    @Test
    void bucketIsPrivateEncryptedAndExpiresOldArtifacts() {
        String bucket = "${aws_s3_bucket.data_store.id}";
        JsonNode block = blocks("resource", "aws_s3_bucket_public_access_block").get("data_store");
        assertNotNull(block, "a public access block for the data_store bucket");
        assertEquals(bucket, block.path("bucket").asString());
        for (String flag : List.of("block_public_acls", "block_public_policy", "ignore_public_acls",
                "restrict_public_buckets")) {
            assertTrue(block.path(flag).asBoolean(false), flag);
        }
        JsonNode sse = blocks("resource", "aws_s3_bucket_server_side_encryption_configuration").get("data_store");
        assertNotNull(sse, "server-side encryption for the data_store bucket");
        assertEquals(bucket, sse.path("bucket").asString());
        String algorithm = sse.path("rule").get(0).path("apply_server_side_encryption_by_default").get(0)
                .path("sse_algorithm").asString();
        assertTrue(Set.of("AES256", "aws:kms", "aws:kms:dsse").contains(algorithm), algorithm);
        JsonNode lifecycle = blocks("resource", "aws_s3_bucket_lifecycle_configuration").get("data_store");
        assertNotNull(lifecycle, "a lifecycle rule for the data_store bucket");
        assertEquals(bucket, lifecycle.path("bucket").asString());
        JsonNode rule = lifecycle.path("rule").get(0);
        assertEquals("Enabled", rule.path("status").asString());
        assertEquals("${var.data_store_prefix}/", rule.path("filter").get(0).path("prefix").asString());
        assertEquals("${var.artifact_expiration_days}", rule.path("expiration").get(0).path("days").asString());
    }

    // ---- least privilege ----

    @Test
    void noIamStatementGrantsMoreThanTheStackNeeds() {
        assertEquals(List.of(), iamViolations(blocks("data", "aws_iam_policy_document"), locals()));
    }

    @Test
    void iamCheckCatchesWildcardsAndUnscopedResources(@TempDir Path scratch) throws IOException {
        Path f = scratch.resolve("bad.tf");
        Files.writeString(f, """
                data "aws_iam_policy_document" "bad" {
                  statement {
                    actions   = ["s3:*", "ecr:PutImage"]
                    resources = ["*"]
                  }
                  statement {
                    actions   = ["s3:GetObject"]
                    resources = ["${aws_s3_bucket.data_store.arn}/*"]
                  }
                  statement {
                    actions   = ["s3:ListBucket"]
                    resources = ["${aws_s3_bucket.data_store.arn}"]
                  }
                  statement {
                    actions   = ["iam:PassRole"]
                    resources = ["${aws_iam_role.task.arn}"]
                  }
                }
                """);
        JsonNode bad = Hcl2Json.parse(List.of(f)).get(f).path("data").path("aws_iam_policy_document");
        List<String> violations = iamViolations(Map.of("bad", bad.path("bad").get(0)), Map.of());
        assertEquals(List.of(
                "bad[0]: wildcard action s3:*",
                "bad[0]: resource \"*\" for s3:*, ecr:PutImage (only ecr:GetAuthorizationToken needs it)",
                "bad[0]: s3:* on * (expected " + PREFIX_OBJECTS + ")",
                "bad[0]: ecr:PutImage on * (expected " + REPOSITORY_ARN + ")",
                "bad[1]: s3:GetObject on " + BUCKET_ARN + "/* (expected " + PREFIX_OBJECTS + ")",
                "bad[2]: s3:ListBucket without an s3:prefix condition on the data_store prefix",
                "bad[3]: iam:PassRole is not a service the stack grants (s3, ecr, eks)"), violations);
    }

    @Test
    void everyIamPolicyIsAPolicyDocument() {
        Pattern document = Pattern.compile("\\$\\{data\\.aws_iam_policy_document\\.[a-z0-9_]+\\.json}");
        Map<String, String> attributes = Map.of("aws_iam_policy", "policy", "aws_iam_role_policy", "policy",
                "aws_iam_user_policy", "policy", "aws_iam_group_policy", "policy", "aws_s3_bucket_policy", "policy",
                "aws_iam_role", "assume_role_policy");
        attributes.forEach((type, attribute) -> blocks("resource", type).forEach((name, body) -> {
            String value = body.path(attribute).asString("");
            assertTrue(document.matcher(value).matches(),
                    type + "." + name + "." + attribute + " comes from an aws_iam_policy_document: " + value);
        }));
        assertEquals(0, blocks("resource", "aws_iam_user_policy").size() + blocks("resource", "aws_iam_group_policy").size(),
                "the executor policy is attached to people, not inlined");
    }

    @Test
    void onlyTheAwsManagedEksPoliciesAreAttached() {
        Set<String> allowed = Set.of("AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                "AmazonEC2ContainerRegistryReadOnly");
        Set<String> named = new TreeSet<>();
        tfText.values().forEach(t -> Pattern.compile("\"(Amazon[A-Za-z0-9_]+|[A-Za-z]+Access)\"").matcher(t)
                .results().forEach(m -> named.add(m.group(1))));
        named.removeAll(allowed);
        assertEquals(Set.of(), named, "AWS-managed policies other than the EKS ones");
        String all = String.join("\n", tfText.values());
        assertFalse(all.contains("AdministratorAccess") || all.contains("FullAccess") || all.contains("PowerUser"));
    }

    @Test
    void taskRoleIsAssumableOnlyByTheTaskServiceAccount() {
        JsonNode trust = blocks("data", "aws_iam_policy_document").get("task_assume").path("statement").get(0);
        assertEquals("[\"sts:AssumeRoleWithWebIdentity\"]", trust.path("actions").toString());
        assertEquals("${aws_iam_openid_connect_provider.eks.arn}",
                trust.path("principals").get(0).path("identifiers").get(0).asString());
        Map<String, String> conditions = new TreeMap<>();
        for (JsonNode c : trust.path("condition")) {
            assertEquals("StringEquals", c.path("test").asString());
            assertEquals(1, c.path("values").size());
            conditions.put(c.path("variable").asString(), c.path("values").get(0).asString());
        }
        assertEquals(Map.of(
                "${local.oidc_issuer}:sub", "system:serviceaccount:${var.namespace}:${var.task_service_account}",
                "${local.oidc_issuer}:aud", "sts.amazonaws.com"), conditions);
        assertEquals("${data.aws_iam_policy_document.task_assume.json}",
                blocks("resource", "aws_iam_role").get("task").path("assume_role_policy").asString());
        assertEquals("${aws_iam_role.task.id}", blocks("resource", "aws_iam_role_policy").get("task")
                .path("role").asString());
    }

    @Test
    void executorPolicyCoversPushPullStoreAndDescribe() {
        Set<String> actions = new TreeSet<>();
        blocks("data", "aws_iam_policy_document").get("executor").path("statement")
                .forEach(s -> s.path("actions").forEach(a -> actions.add(a.asString())));
        assertTrue(actions.containsAll(Set.of("ecr:GetAuthorizationToken", "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "s3:GetObject", "s3:PutObject",
                "s3:DeleteObject", "s3:ListBucket", "eks:DescribeCluster")), actions.toString());
        assertEquals("${data.aws_iam_policy_document.executor.json}",
                blocks("resource", "aws_iam_policy").get("executor").path("policy").asString());
    }

    // ---- outputs and valence.toml ----

    @Test
    void outputsIncludeTheValenceTomlKeys() {
        Set<String> outputs = outputs().keySet();
        for (String key : VALENCE_TOML_KEYS) {
            assertTrue(outputs.contains(key), "output " + key);
        }
        assertTrue(outputs.contains("valence_toml"));
        // make deploy reads these
        assertTrue(outputs.containsAll(Set.of("cluster_name", "task_role_arn")));
    }

    @Test
    void valenceTomlOutputUsesTheOutputsValues() {
        String template = outputs().get("valence_toml").path("value").asString();
        TomlParseResult raw = Toml.parse(template);
        assertEquals(List.of(), raw.errors());
        TomlTable table = raw.getTable("executors.k8s");
        assertNotNull(table, "an [executors.k8s] table");
        assertEquals(new TreeSet<>(VALENCE_TOML_KEYS), new TreeSet<>(table.keySet()));
        for (String key : VALENCE_TOML_KEYS) {
            assertEquals(outputs().get(key).path("value").asString(), table.getString(key), key);
        }
    }

    @Test
    void valenceTomlOutputIsAcceptedByValenceSettings(@TempDir Path home) {
        Map<String, String> applied = Map.of(
                "aws_eks_cluster.this.name", "valence-eks",
                "local.registry", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "aws_ecr_repository.task.name", "valence-task",
                "local.data_store", "s3://valence-eks-data-20250101000000000000000001/valence");
        String template = outputs().get("valence_toml").path("value").asString();
        Matcher m = INTERPOLATION.matcher(template);
        StringBuilder rendered = new StringBuilder();
        while (m.find()) {
            String expression = m.group(1).strip();
            String value = expression.startsWith("var.")
                    ? variableDefault(expression.substring(4)) : applied.get(expression);
            if (value == null) {
                fail("no sample value for ${" + expression + "} in the valence_toml output");
            }
            m.appendReplacement(rendered, Matcher.quoteReplacement(value));
        }
        m.appendTail(rendered);
        TomlParseResult toml = Toml.parse(rendered.toString());
        assertEquals(List.of(), toml.errors());

        Settings settings = Settings.builder().environment(Map.of()).userHome(home)
                .fileValues("valence_toml output", toml.getTable("executors.k8s").toMap()).build();

        assertEquals("valence-eks", settings.k8sContext().orElseThrow());
        assertEquals("valence", settings.namespace().orElseThrow());
        assertEquals("valence-task", settings.serviceAccount().orElseThrow());
        assertEquals("123456789012.dkr.ecr.us-east-1.amazonaws.com", settings.registry());
        assertEquals("valence-task", settings.imageRepo());
        assertEquals("s3", settings.dataStoreScheme());
        assertEquals("us-east-1", settings.region().orElseThrow());
    }

    // ---- terraform itself, where installed ----

    @Test
    void terraformFmtFindsNothingToChange() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("terraform"),
                "terraform is not installed (it has no Debian or npm package): fmt is checked where it is");
        Process p = new ProcessBuilder("terraform", "fmt", "-check", "-diff", "-recursive", eks.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "terraform fmt finished");
        assertEquals(0, p.exitValue(), "terraform fmt -check:\n" + out);
    }

    // ---- helpers ----

    /**
     * What an IAM policy document may grant in this stack: no wildcard action, resource "*" only for
     * ecr:GetAuthorizationToken, S3 objects under the data_store prefix, listing only with a prefix condition,
     * ECR actions on the one repository, EKS actions on the one cluster. Deny statements take away, so
     * they may be broad.
     */
    static List<String> iamViolations(Map<String, JsonNode> documents, Map<String, JsonNode> locals) {
        List<String> out = new ArrayList<>();
        documents.forEach((name, doc) -> {
            int i = 0;
            for (JsonNode st : doc.path("statement")) {
                String where = name + "[" + i++ + "]";
                if (st.has("not_actions") || st.has("not_resources")) {
                    out.add(where + ": not_actions/not_resources grant everything else");
                }
                if ("Deny".equals(st.path("effect").asString("Allow"))) {
                    continue;
                }
                List<String> actions = strings(st.path("actions"));
                List<String> resources = strings(st.path("resources")).stream().map(r -> resolve(r, locals)).toList();
                actions.stream().filter(a -> a.contains("*")).forEach(a -> out.add(where + ": wildcard action " + a));
                if (resources.contains("*") && !actions.equals(List.of("ecr:GetAuthorizationToken"))) {
                    out.add(where + ": resource \"*\" for " + String.join(", ", actions)
                            + " (only ecr:GetAuthorizationToken needs it)");
                }
                for (String action : actions) {
                    String service = action.substring(0, Math.max(0, action.indexOf(':')));
                    switch (service) {
                        case "sts" -> {
                            if (!st.has("principals") || !resources.isEmpty()) {
                                out.add(where + ": " + action + " belongs in a trust policy");
                            }
                        }
                        case "s3" -> {
                            if (action.equals("s3:ListBucket")) {
                                expect(out, where, action, resources, BUCKET_ARN);
                                if (!listsOnlyThePrefix(st)) {
                                    out.add(where + ": s3:ListBucket without an s3:prefix condition on the "
                                            + "data_store prefix");
                                }
                            } else {
                                expect(out, where, action, resources, PREFIX_OBJECTS);
                            }
                        }
                        case "ecr" -> {
                            if (!action.equals("ecr:GetAuthorizationToken")) {
                                expect(out, where, action, resources, REPOSITORY_ARN);
                            }
                        }
                        case "eks" -> expect(out, where, action, resources, CLUSTER_ARN);
                        default -> out.add(where + ": " + action + " is not a service the stack grants (s3, ecr, eks)");
                    }
                }
            }
        });
        return out;
    }

    private static void expect(List<String> out, String where, String action, List<String> resources, String arn) {
        for (String r : resources) {
            if (!r.equals(arn)) {
                out.add(where + ": " + action + " on " + r + " (expected " + arn + ")");
            }
        }
    }

    private static boolean listsOnlyThePrefix(JsonNode statement) {
        for (JsonNode c : statement.path("condition")) {
            if (c.path("variable").asString("").equals("s3:prefix")
                    && Set.of("StringLike", "StringEquals").contains(c.path("test").asString(""))
                    && !c.path("values").isEmpty()) {
                return strings(c.path("values")).stream().allMatch(v -> v.startsWith("${var.data_store_prefix}"));
            }
        }
        return false;
    }

    /** A resource written as {@code ${local.x}} is the local's value. */
    private static String resolve(String value, Map<String, JsonNode> locals) {
        Matcher m = Pattern.compile("\\$\\{local\\.([a-z0-9_]+)}").matcher(value);
        if (m.matches() && locals.containsKey(m.group(1))) {
            return locals.get(m.group(1)).asString();
        }
        return value;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    /** name -> body of every block {@code kind "type" "name"} (kind: resource or data) in all files. */
    static Map<String, JsonNode> blocks(String kind, String type) {
        Map<String, JsonNode> out = new TreeMap<>();
        tf.values().forEach(root -> root.path(kind).path(type).forEachEntry((name, bodies) -> {
            if (out.put(name, bodies.get(0)) != null) {
                fail("duplicate " + kind + " " + type + "." + name);
            }
        }));
        return out;
    }

    private static Map<String, JsonNode> labelled(String kind) {
        Map<String, JsonNode> out = new TreeMap<>();
        tf.values().forEach(root -> root.path(kind).forEachEntry((name, bodies) -> out.put(name, bodies.get(0))));
        return out;
    }

    static Map<String, JsonNode> variables() {
        return labelled("variable");
    }

    static Map<String, JsonNode> outputs() {
        return labelled("output");
    }

    static Map<String, JsonNode> locals() {
        Map<String, JsonNode> out = new TreeMap<>();
        tf.values().forEach(root -> root.path("locals").forEach(block -> block.forEachEntry(out::put)));
        return out;
    }

    private static String variableDefault(String name) {
        JsonNode v = variables().get(name);
        assertNotNull(v, "variable " + name);
        return v.path("default").asString();
    }

    private static List<JsonNode> all(String kind) {
        List<JsonNode> out = new ArrayList<>();
        tf.values().forEach(root -> root.path(kind).forEach(out::add));
        return out;
    }

    private static JsonNode only(List<JsonNode> nodes) {
        assertEquals(1, nodes.size());
        return nodes.get(0);
    }

    private static String withoutComments(String hcl) {
        return hcl.lines().map(l -> l.replaceFirst("^\\s*#.*", "")).reduce("", (a, b) -> a + b + "\n");
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
