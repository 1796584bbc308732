package dev.valence.tck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The architecture, as rules: the API sees only the JDK and SLF4J, the core sees only the API,
 * an adapter sees the API and its own library, and only the distribution sees everything.
 * The distribution's build checks every rule against all modules; a third-party adapter can too.
 */
public final class ArchRules {
    /** Packages of the adapters shipped with Valence, by module. */
    public static final Map<String, String> ADAPTER_PACKAGES = Map.of(
            "adapter-fabric8", "dev.valence.fabric8..",
            "adapter-official-client", "dev.valence.official..",
            "store-local", "dev.valence.store.local..",
            "store-s3", "dev.valence.store.s3..",
            "store-azure-blob", "dev.valence.store.azure..",
            "registry-local", "dev.valence.registry.local..",
            "registry-ecr", "dev.valence.registry.ecr..");

    /** Backend libraries that must never appear in a port. */
    public static final String[] BACKEND_PACKAGES = {
        "io.fabric8..", "io.kubernetes..", "software.amazon..", "com.azure..", "com.google.cloud.tools.jib..",
        "com.google.inject..", "info.picocli..", "picocli.."};

    /** The user API and the ports depend on the JDK and the SLF4J API only. */
    public static final ArchRule API_DEPENDS_ON_JDK_ONLY = classes()
            .that().resideInAnyPackage("dev.valence.api..", "dev.valence.spi..")
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "dev.valence.api..", "dev.valence.spi..", "org.slf4j..")
            .as("executor-api (dev.valence.api, dev.valence.spi) depends on the JDK and the SLF4J API only");

    /** Ports speak domain types, never a backend's. */
    public static final ArchRule PORTS_EXPOSE_NO_BACKEND_TYPES = noClasses()
            .that().resideInAnyPackage("dev.valence.api..", "dev.valence.spi..")
            .should().dependOnClassesThat().resideInAnyPackage(BACKEND_PACKAGES)
            .as("ports never expose a fabric8, client-java, AWS, Azure or Jib type");

    /**
     * The core depends on the API only. Documented exception: tomlj, which reads the settings file
     * (a small parser with no dependencies of its own; the alternative is writing a TOML parser).
     */
    public static final ArchRule CORE_DEPENDS_ON_API_ONLY = classes()
            .that().resideInAPackage("dev.valence.core..")
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "dev.valence.api..", "dev.valence.spi..", "dev.valence.core..",
                    "org.slf4j..", "org.tomlj..")
            .as("executor-core depends on executor-api only (and tomlj for the settings file)");

    /** Adapters see neither the core nor the distribution. */
    public static final ArchRule ADAPTERS_DO_NOT_SEE_CORE = noClasses()
            .that().resideInAnyPackage(ADAPTER_PACKAGES.values().toArray(String[]::new))
            .should().dependOnClassesThat().resideInAnyPackage("dev.valence.core..", "dev.valence.distribution..",
                    "com.google.inject..")
            .as("adapters depend on executor-api and their own library, never on the core or the distribution")
            .allowEmptyShould(true);

    /** Adapters do not see each other. */
    public static final ArchRule ADAPTERS_DO_NOT_SEE_EACH_OTHER = adaptersApart();

    /** Guice lives in the distribution only. */
    public static final ArchRule GUICE_ONLY_IN_DISTRIBUTION = noClasses()
            .that().resideOutsideOfPackage("dev.valence.distribution..")
            .and().resideInAPackage("dev.valence..")
            .should().dependOnClassesThat().resideInAnyPackage("com.google.inject..")
            .as("only the distribution (the composition root) uses Guice");

    /** Every rule above. */
    public static final List<ArchRule> ALL = List.of(API_DEPENDS_ON_JDK_ONLY, PORTS_EXPOSE_NO_BACKEND_TYPES,
            CORE_DEPENDS_ON_API_ONLY, ADAPTERS_DO_NOT_SEE_CORE, ADAPTERS_DO_NOT_SEE_EACH_OTHER,
            GUICE_ONLY_IN_DISTRIBUTION);

    private ArchRules() {
    }

    private static ArchRule adaptersApart() {
        List<ArchRule> rules = new ArrayList<>();
        for (var own : ADAPTER_PACKAGES.entrySet()) {
            String[] others = ADAPTER_PACKAGES.values().stream().filter(p -> !p.equals(own.getValue()))
                    .toArray(String[]::new);
            rules.add(noClasses().that().resideInAPackage(own.getValue())
                    .should().dependOnClassesThat().resideInAnyPackage(others)
                    .as(own.getKey() + " does not depend on another adapter")
                    .allowEmptyShould(true)); // a custom distribution may leave adapters out
        }
        return CompositeArchRule.of(rules)
                .as("adapters do not depend on each other");
    }
}
