package dev.valence.registry.ecr;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.tck.ArchRules;
import org.junit.jupiter.api.Test;

class RegistryEcrArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.valence.registry.ecr");

    @Test
    void seesNeitherTheCoreNorAnotherAdapter() {
        ArchRules.ADAPTERS_DO_NOT_SEE_CORE.check(classes);
        ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER.check(classes);
    }

    @Test
    void theFactoryIsTheOnlyPublicType() {
        classes().that().arePublic().should().implement(CredentialProviderFactory.class).check(classes);
    }
}
