package dev.valence.tck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.valence.spi.PluginFactory;
import org.junit.jupiter.api.Test;

/**
 * The architecture rules for one adapter module: it sees neither the core nor another adapter, and
 * its only public types are its plugin factories (so no backend type can leak through it).
 * An adapter's tests extend this and name the adapter's package.
 */
public abstract class AdapterArchitectureContract {
    private JavaClasses classes;

    /** The adapter's package, such as {@code dev.valence.store.s3}. */
    protected abstract String adapterPackage();

    /** The adapter's production classes (tests left out). */
    protected JavaClasses importClasses(String adapterPackage) {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(adapterPackage);
    }

    private JavaClasses adapterClasses() {
        if (classes == null) {
            classes = importClasses(adapterPackage());
        }
        return classes;
    }

    /** Asked of the loaded class, so that it holds whatever the importer resolved of the hierarchy. */
    private static ArchCondition<JavaClass> bePluginFactories() {
        return new ArchCondition<>("implement " + PluginFactory.class.getName()) {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                if (!PluginFactory.class.isAssignableFrom(item.reflect())) {
                    events.add(SimpleConditionEvent.violated(item, item.getName() + " is public but is not a plugin factory"));
                }
            }
        };
    }

    @Test
    void seesNeitherTheCoreNorAnotherAdapter() {
        ArchRules.ADAPTERS_DO_NOT_SEE_CORE.check(adapterClasses());
        ArchRules.ADAPTERS_DO_NOT_SEE_EACH_OTHER.check(adapterClasses());
    }

    @Test
    void onlyItsPluginFactoriesArePublic() {
        // top-level only: members of a package-private type are public by the language yet not reachable
        classes().that().arePublic().and().areTopLevelClasses().should(bePluginFactories())
                .as("the only public types of " + adapterPackage() + " are its plugin factories")
                .check(adapterClasses());
    }
}
