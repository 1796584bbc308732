package dev.valence.store.azure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.valence.tck.ArchRules;
import org.junit.jupiter.api.Test;

class AzureBlobStoreArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.valence.store.azure");

    @Test
    void seesNeitherTheCoreNorAnotherAdapter() {
        ArchRules.ADAPTERS_DO_NOT_SEE_CORE.check(classes);
        ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER.check(classes);
    }

    @Test
    void theFactoryIsTheOnlyPublicType() {
        classes().that().arePublic().should().haveFullyQualifiedName(AzureBlobStoreFactory.class.getName()).check(classes);
    }
}
