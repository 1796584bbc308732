package dev.valence.distribution;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

/** The invocation itself: its environment, the parsed global options, what it opened, where settings come from. */
final class CliModule extends AbstractModule {
    private final CliEnvironment environment;
    private final GlobalOptions options;

    CliModule(CliEnvironment environment, GlobalOptions options) {
        this.environment = environment;
        this.options = options;
    }

    @Override
    protected void configure() {
        bind(CliEnvironment.class).toInstance(environment);
        bind(GlobalOptions.class).toInstance(options);
        bind(Closer.class).in(Singleton.class);
    }

    /** Read when first needed, so after picocli has filled the options in. */
    @Provides
    SettingsSource settingsSource() {
        return new SettingsSource(options.configFile(), environment.variables(), environment.home(),
                options.overrides(), options.executorName());
    }
}
