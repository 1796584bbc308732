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
 * The architecture rules for one adapter module, Valence's or a third party's, applied to the adapter's
 * own package: it sees neither the core nor another adapter, its only public types are its plugin
 * factories, and their public members name no backend type. An adapter's tests extend this and name the
 * adapter's package ({@link #adapterPackage()}) or one of its factories ({@link #factory()}).
 */
public abstract class AdapterArchitectureContract {
    private JavaClasses classes;

    /**
     * The adapter's package, such as {@code dev.valence.store.s3} or {@code com.example.valence.gcs}: by
     * default the package of {@link #factory()}.
     */
    protected String adapterPackage() {
        Class<? extends PluginFactory> factory = factory();
        if (factory == null) {
            throw new IllegalStateException(getClass().getName() + " names neither its adapter's package nor a factory: "
                    + "override adapterPackage() or factory()");
        }
        return factory.getPackageName();
    }

    /** One of the adapter's factories, whose package is the adapter's; {@code null} when the package is given. */
    protected Class<? extends PluginFactory> factory() {
        return null;
    }

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
        ArchRules.adapterDoesNotSeeCore(adapterPackage()).check(adapterClasses());
        ArchRules.adapterDoesNotSeeOtherAdapters(adapterPackage()).check(adapterClasses());
    }

    @Test
    void itsPublicMembersExposeNoBackendType() {
        ArchRules.adapterExposesNoBackendTypes(adapterPackage()).check(adapterClasses());
    }

    @Test
    void onlyItsPluginFactoriesArePublic() {
        // top-level only: members of a package-private type are public by the language yet not reachable
        classes().that().arePublic().and().areTopLevelClasses().should(bePluginFactories())
                .as("the only public types of " + adapterPackage() + " are its plugin factories")
                .check(adapterClasses());
    }
}
