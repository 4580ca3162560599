package org.bgreboot.engine.libvirt;

import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * What bgreboot records in a domain's {@code <metadata>}, under its own namespace: the VM the
 * domain belongs to (its stable name), the generation it runs, whether it serves or is a clone
 * booting beside the VM, and the VM's spec, so that the domain alone says which VM it is and how to
 * reboot it (a fleet finds its VMs this way). Whatever else is in {@code <metadata>} is not ours.
 *
 * @param role {@code serving} or {@code clone}
 * @param spec the spec's TOML text, empty when none was recorded
 */
record VmMetadata(String name, int generation, String role, String spec) {
    static final String NS = "urn:bgreboot:vm:1";
    static final String PREFIX = "bgr";
    static final String SERVING = "serving";
    static final String CLONE = "clone";

    VmMetadata as(String newRole, int newGeneration) {
        return new VmMetadata(name, newGeneration, newRole, spec);
    }

    boolean serving() {
        return SERVING.equals(role);
    }

    /** The element with bgreboot's namespace, to put into a domain's XML. */
    String toXml() {
        return DomainXml.print(element(true));
    }

    /** The element as virDomainSetMetadata takes it (libvirt puts it in the namespace). */
    String toPlainXml() {
        return DomainXml.print(element(false));
    }

    private Element element(boolean namespaced) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Document d = f.newDocumentBuilder().newDocument();
            Element vm = create(d, "vm", namespaced);
            d.appendChild(vm);
            vm.appendChild(create(d, "name", namespaced)).setTextContent(name);
            vm.appendChild(create(d, "generation", namespaced)).setTextContent(String.valueOf(generation));
            vm.appendChild(create(d, "role", namespaced)).setTextContent(role);
            if (!spec.isEmpty()) {
                vm.appendChild(create(d, "spec", namespaced)).setTextContent(spec);
            }
            return vm;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element create(Document d, String tag, boolean namespaced) {
        return namespaced ? d.createElementNS(NS, PREFIX + ":" + tag) : d.createElement(tag);
    }

    /** Reads the element libvirt gives back (with or without the namespace prefix); empty if it is not ours. */
    static Optional<VmMetadata> parse(String xml) {
        try {
            Element vm = DomainXml.parse(xml).root();
            String name = DomainXml.text(vm, "name").orElse("");
            if (name.isEmpty()) {
                return Optional.empty();
            }
            int gen = DomainXml.text(vm, "generation").map(Integer::parseInt).orElse(0);
            return Optional.of(new VmMetadata(name, gen, DomainXml.text(vm, "role").orElse(SERVING),
                    DomainXml.child(vm, "spec").map(Element::getTextContent).orElse("")));
        } catch (RuntimeException e) {
            return Optional.empty(); // someone else's element, or a broken one: not a VM of ours
        }
    }
}
