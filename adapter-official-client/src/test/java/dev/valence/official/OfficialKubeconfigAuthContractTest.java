package dev.valence.official;

import dev.valence.spi.ClusterGatewayFactory;
import dev.valence.tck.cluster.KubeconfigAuthContract;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The shared kubeconfig authentication contract, run against client-java over HTTPS. */
@ExtendWith(OfficialKubeconfigAuthContractTest.SkipContradictingCase.class)
class OfficialKubeconfigAuthContractTest extends KubeconfigAuthContract {
    @Override
    protected ClusterGatewayFactory factory() {
        return new OfficialGatewayFactory();
    }

    /**
     * Skips {@code unauthorizedAndForbiddenAreToldApart}: it denies only the read of the Namespace
     * object and expects {@code check()} to fail, while
     * {@code ClusterGatewayContract.checkPassesWithANamespacedRoleThatCannotReadNamespaceObjects}
     * requires {@code check()} to pass in exactly that situation (the namespaced Role of
     * infra/rbac.yaml); the fabric8 adapter fails it too. {@code KubeconfigAuthTest} runs the case
     * with the Jobs list denied as well. Remove once the contract is reconciled.
     */
    static final class SkipContradictingCase implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getTestMethod().filter(m -> m.getName().equals("unauthorizedAndForbiddenAreToldApart"))
                    .map(m -> ConditionEvaluationResult.disabled("contradicts ClusterGatewayContract."
                            + "checkPassesWithANamespacedRoleThatCannotReadNamespaceObjects; covered by "
                            + "KubeconfigAuthTest.unauthorizedAndForbiddenAreToldApart"))
                    .orElse(ConditionEvaluationResult.enabled("contract case"));
        }
    }
}
