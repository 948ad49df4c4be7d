package smtp.metrics.internal;

import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/** What a bundle's optional imports were wired to. */
final class Wiring {

    private Wiring() {}

    /** @return whether the bundle imports the package from another bundle (an optional import resolved) */
    static boolean imports(BundleWiring wiring, String packageName) {
        if (wiring == null) {
            return false;
        }
        for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (packageName.equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return true;
            }
        }
        return false;
    }
}
