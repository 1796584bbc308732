package dev.valence.fabric8;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.ArchRules;
import org.junit.jupiter.api.Test;

class Fabric8ArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.valence.fabric8");

    @Test
    void seesNeitherTheCoreNorAnotherAdapter() {
        ArchRules.ADAPTERS_DO_NOT_SEE_CORE.check(classes);
        ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER.check(classes);
    }

    @Test
    void theFactoryIsTheOnlyPublicTypeSoNoFabric8TypeLeaks() {
        // top-level only: members of a package-private interface are public by the language yet not reachable
        classes().that().arePublic().and().areTopLevelClasses().should().implement(ClusterGatewayFactory.class)
                .check(classes);
    }
}
