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

    /** Packages a plugin's public signatures may name: the JDK, the API and SPI, SLF4J. */
    public static final String[] PLUGIN_SIGNATURE_PACKAGES = {"java..", "dev.valence.api..", "dev.valence.spi..",
        "org.slf4j.."};

    private ArchRules() {
    }

    /**
     * The adapter in {@code adapterPackage} (and below) sees neither the core, the distribution nor Guice:
     * the rule for any adapter, Valence's or a third party's, by its own package.
     */
    public static ArchRule adapterDoesNotSeeCore(String adapterPackage) {
        return noClasses().that().resideInAPackage(adapterPackage + "..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.valence.core..", "dev.valence.distribution..",
                        "com.google.inject..")
                .as("the adapter " + adapterPackage + " depends on executor-api and its own library, never on the core "
                        + "or the distribution");
    }

    /** The adapter in {@code adapterPackage} depends on none of Valence's other adapters. */
    public static ArchRule adapterDoesNotSeeOtherAdapters(String adapterPackage) {
        String[] others = ADAPTER_PACKAGES.values().stream()
                .filter(p -> !p.equals(adapterPackage + "..") && !(adapterPackage + ".").startsWith(p.replace("..", ".")))
                .toArray(String[]::new);
        return noClasses().that().resideInAPackage(adapterPackage + "..")
                .should().dependOnClassesThat().resideInAnyPackage(others)
                .as("the adapter " + adapterPackage + " does not depend on another adapter")
                .allowEmptyShould(true);
    }

    /**
     * The public members of the public types of {@code adapterPackage} name only JDK, API/SPI and SLF4J
     * types (and the adapter's own): its backend's types never leak through a public method, constructor or
     * field, whatever that backend is.
     */
    public static ArchRule adapterExposesNoBackendTypes(String adapterPackage) {
        return com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members()
                .that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .and().areDeclaredInClassesThat().resideInAPackage(adapterPackage + "..")
                .should(nameOnlyTypesIn(adapterPackage))
                .as("the public members of " + adapterPackage + " name only JDK, executor-api and SLF4J types")
                .allowEmptyShould(true);
    }

    private static com.tngtech.archunit.lang.ArchCondition<com.tngtech.archunit.core.domain.JavaMember> nameOnlyTypesIn(
            String adapterPackage) {
        var allowed = com.tngtech.archunit.base.DescribedPredicate.describe("allowed",
                (com.tngtech.archunit.core.domain.JavaClass c) -> c.isPrimitive() || c.isArray()
                        && allowedIn(c.getBaseComponentType(), adapterPackage) || allowedIn(c, adapterPackage));
        return new com.tngtech.archunit.lang.ArchCondition<>("name only JDK, executor-api and SLF4J types") {
            @Override
            public void check(com.tngtech.archunit.core.domain.JavaMember member,
                    com.tngtech.archunit.lang.ConditionEvents events) {
                java.util.Set<com.tngtech.archunit.core.domain.JavaClass> named = new java.util.LinkedHashSet<>();
                if (member instanceof com.tngtech.archunit.core.domain.JavaCodeUnit code) {
                    named.add(code.getRawReturnType());
                    named.addAll(code.getRawParameterTypes());
                    code.getReturnType().getAllInvolvedRawTypes().forEach(named::add);
                    code.getParameterTypes().forEach(t -> named.addAll(t.getAllInvolvedRawTypes()));
                } else if (member instanceof com.tngtech.archunit.core.domain.JavaField field) {
                    named.add(field.getRawType());
                    named.addAll(field.getType().getAllInvolvedRawTypes());
                }
                for (var type : named) {
                    if (!allowed.test(type)) {
                        events.add(com.tngtech.archunit.lang.SimpleConditionEvent.violated(member, member.getFullName()
                                + " exposes " + type.getName() + ", a type outside the JDK, executor-api and SLF4J"));
                    }
                }
            }
        };
    }

    private static boolean allowedIn(com.tngtech.archunit.core.domain.JavaClass c, String adapterPackage) {
        String pkg = c.getPackageName();
        return c.isPrimitive() || pkg.equals(adapterPackage) || pkg.startsWith(adapterPackage + ".")
                || java.util.Arrays.stream(PLUGIN_SIGNATURE_PACKAGES).map(p -> p.replace("..", ""))
                        .anyMatch(p -> pkg.equals(p) || pkg.startsWith(p + "."));
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
