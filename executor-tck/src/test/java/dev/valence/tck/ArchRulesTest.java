package dev.valence.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/** Each rule catches a bad fixture and passes a good one, so the rules can fail. */
class ArchRulesTest {
    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages(
            "dev.valence.core.fixture", "dev.valence.spi.fixture", "dev.valence.api.fixture",
            "dev.valence.fabric8.fixture", "dev.valence.store.s3.fixture");

    @Test
    void coreUsingABackendIsCaught() {
        assertViolation(ArchRules.CORE_DEPENDS_ON_API_ONLY, "CoreUsingFabric8");
        assertNoViolation(ArchRules.CORE_DEPENDS_ON_API_ONLY, "CoreUsingApi");
    }

    @Test
    void aPortExposingABackendTypeIsCaught() {
        assertViolation(ArchRules.PORTS_EXPOSE_NO_BACKEND_TYPES, "PortExposingFabric8");
        assertViolation(ArchRules.API_DEPENDS_ON_JDK_ONLY, "PortExposingFabric8");
        assertNoViolation(ArchRules.API_DEPENDS_ON_JDK_ONLY, "ApiUsingSlf4j");
    }

    @Test
    void anAdapterUsingTheCoreIsCaught() {
        assertViolation(ArchRules.ADAPTERS_DO_NOT_SEE_CORE, "AdapterUsingCore");
    }

    @Test
    void anAdapterUsingAnotherAdapterIsCaught() {
        assertViolation(ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER, "AdapterUsingAnotherAdapter");
        assertNoViolation(ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER, "AdapterUsingCore");
    }

    @Test
    void theAdapterContractCatchesAPublicNonFactoryAndAnAdapterUsingAnother() {
        AdapterArchitectureContract bad = new AdapterArchitectureContract() {
            @Override
            protected String adapterPackage() {
                return "dev.valence.store.s3.fixture";
            }

            @Override
            protected JavaClasses importClasses(String adapterPackage) {
                return new ClassFileImporter().importPackages(adapterPackage); // the fixtures are test classes
            }
        };
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, bad::onlyItsPluginFactoriesArePublic);
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, bad::seesNeitherTheCoreNorAnotherAdapter);
    }

    /** The adapter contract of a third-party adapter in {@code pkg} (or found from {@code factory}), on test fixtures. */
    private static AdapterArchitectureContract contract(String pkg, Class<? extends dev.valence.spi.PluginFactory> factory) {
        return new AdapterArchitectureContract() {
            @Override
            protected String adapterPackage() {
                return pkg != null ? pkg : super.adapterPackage();
            }

            @Override
            protected Class<? extends dev.valence.spi.PluginFactory> factory() {
                return factory;
            }

            @Override
            protected JavaClasses importClasses(String adapterPackage) {
                return new ClassFileImporter().importPackages(adapterPackage); // the fixtures are test classes
            }
        };
    }

    @Test
    void aThirdPartyAdapterOutsideValenceThatUsesTheCoreFailsTheContract() {
        AdapterArchitectureContract bad = contract("com.example.bad", null);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                bad::seesNeitherTheCoreNorAnotherAdapter);
        assertTrue(e.getMessage().contains("com.example.bad.BadFactory") && e.getMessage().contains("dev.valence.core"),
                e.getMessage());
    }

    @Test
    void aThirdPartyAdapterExposingItsBackendOnAPublicMemberFailsTheContract() {
        AdapterArchitectureContract leaky = contract(null, com.example.leaky.LeakyFactory.class);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                leaky::itsPublicMembersExposeNoBackendType);
        assertTrue(e.getMessage().contains("LeakyFactory.backendConfig()") && e.getMessage().contains("LeakyFactory.CONFIGS")
                && e.getMessage().contains("io.fabric8.kubernetes.client.Config"), e.getMessage());
        leaky.seesNeitherTheCoreNorAnotherAdapter(); // it breaks only the one rule
        leaky.onlyItsPluginFactoriesArePublic();
    }

    @Test
    void aGoodThirdPartyAdapterFoundFromItsFactoryPassesEveryRule() {
        AdapterArchitectureContract good = contract(null, com.example.good.GoodFactory.class);
        assertEquals("com.example.good", good.adapterPackage());
        good.seesNeitherTheCoreNorAnotherAdapter();
        good.onlyItsPluginFactoriesArePublic();
        good.itsPublicMembersExposeNoBackendType();
    }

    @Test
    void aContractNamingNeitherPackageNorFactorySaysWhatToOverride() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                contract(null, null)::adapterPackage);
        assertTrue(e.getMessage().contains("override adapterPackage() or factory()"), e.getMessage());
    }

    private static void assertViolation(ArchRule rule, String className) {
        EvaluationResult result = rule.evaluate(FIXTURES);
        assertTrue(result.getFailureReport().getDetails().stream().anyMatch(d -> d.contains(className)),
                () -> rule.getDescription() + " did not catch " + className + ": " + result.getFailureReport());
    }

    private static void assertNoViolation(ArchRule rule, String className) {
        EvaluationResult result = rule.evaluate(FIXTURES);
        assertFalse(result.getFailureReport().getDetails().stream().anyMatch(d -> d.contains(className + ".")
                        || d.contains(className + " ")),
                () -> rule.getDescription() + " wrongly flagged " + className + ": " + result.getFailureReport());
    }
}
