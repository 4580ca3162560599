package org.bgreboot.engine.libvirt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * A domain's XML as a DOM, with the few reads and edits bgreboot makes. Devices are looked up
 * among the direct children of {@code <devices>} only ({@code <disk>} has a {@code <serial>} child
 * too, and a serial device is a {@code <serial>} of its own).
 */
final class DomainXml {
    private final Document doc;

    private DomainXml(Document doc) {
        this.doc = doc;
    }

    static DomainXml parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return new DomainXml(f.newDocumentBuilder().parse(new InputSource(new StringReader(xml))));
        } catch (ParserConfigurationException | SAXException | java.io.IOException e) {
            throw new LibvirtFailure("libvirt gave a domain XML that does not parse: " + e.getMessage());
        }
    }

    DomainXml copy() {
        return parse(print());
    }

    String print() {
        return print(doc);
    }

    static String print(Node n) {
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(n), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException(e);
        }
    }

    Element root() {
        return doc.getDocumentElement();
    }

    Document doc() {
        return doc;
    }

    String name() {
        return text(root(), "name").orElse("");
    }

    void setName(String name) {
        child(root(), "name").orElseThrow().setTextContent(name);
    }

    Optional<String> uuid() {
        return text(root(), "uuid");
    }

    /** Without a UUID libvirt makes a new one. */
    void removeUuid() {
        child(root(), "uuid").ifPresent(root()::removeChild);
    }

    /** An empty {@code <genid/>} gets a new VM generation id from libvirt; the guest can tell it is a copy. */
    void newGenid() {
        Element g = child(root(), "genid").orElseGet(() -> insertAfter(root(), "genid", "uuid", "name"));
        g.setTextContent("");
    }

    Optional<String> genid() {
        return text(root(), "genid").filter(s -> !s.isBlank());
    }

    void setGenid(String id) {
        child(root(), "genid").orElseGet(() -> insertAfter(root(), "genid", "uuid", "name")).setTextContent(id);
    }

    /** Memory in bytes ({@code <memory unit=...>}, KiB by default). */
    long memoryBytes() {
        Element m = child(root(), "memory").orElseThrow(() -> new LibvirtFailure("the domain XML has no <memory>"));
        long v = Long.parseLong(m.getTextContent().strip());
        String unit = m.getAttribute("unit").isEmpty() ? "KiB" : m.getAttribute("unit");
        return switch (unit) {
            case "b", "bytes" -> v;
            case "KB" -> v * 1000;
            case "k", "KiB" -> v << 10;
            case "MB" -> v * 1000_000;
            case "M", "MiB" -> v << 20;
            case "GB" -> v * 1000_000_000;
            case "G", "GiB" -> v << 30;
            default -> v << 10;
        };
    }

    int vcpus() {
        return text(root(), "vcpu").map(s -> Integer.parseInt(s.strip())).orElse(1);
    }

    /** {@code q35} or {@code pc} for the machine types libvirt expands ({@code pc-q35-7.2}). */
    String machine() {
        String m = child(root(), "os").flatMap(os -> child(os, "type")).map(t -> t.getAttribute("machine")).orElse("");
        return m.contains("q35") ? "q35" : m.isEmpty() ? "?" : "pc";
    }

    String type() {
        return root().getAttribute("type");
    }

    // ---- direct kernel boot ------------------------------------------------------------------

    Optional<String> kernel() {
        return child(root(), "os").flatMap(os -> text(os, "kernel"));
    }

    Optional<String> initrd() {
        return child(root(), "os").flatMap(os -> text(os, "initrd"));
    }

    Optional<String> cmdline() {
        return child(root(), "os").flatMap(os -> text(os, "cmdline"));
    }

    /** Sets (or, with null, removes) the kernel, initrd or cmdline of direct kernel boot. */
    void setBoot(String tag, String value) {
        Element os = child(root(), "os").orElseThrow(() -> new LibvirtFailure("the domain XML has no <os>"));
        Optional<Element> e = child(os, tag);
        if (value == null) {
            e.ifPresent(os::removeChild);
            return;
        }
        Element el = e.orElseGet(() -> (Element) os.appendChild(doc.createElement(tag)));
        el.setTextContent(value);
    }

    // ---- devices ------------------------------------------------------------------------------

    Element devicesElement() {
        return child(root(), "devices").orElseThrow(() -> new LibvirtFailure("the domain XML has no <devices>"));
    }

    List<Element> devices(String tag) {
        return children(devicesElement(), tag);
    }

    List<Disk> disks() {
        return devices("disk").stream().map(Disk::of).toList();
    }

    void remove(Element device) {
        device.getParentNode().removeChild(device);
    }

    /** The element of the agent's virtio-serial channel, if the domain has one. */
    Optional<Element> agentChannel() {
        return devices("channel").stream().filter(c -> child(c, "target")
                .map(t -> "org.qemu.guest_agent.0".equals(t.getAttribute("name"))).orElse(false)).findFirst();
    }

    /** The serial console's log file: a {@code <serial type='file'>} source or a {@code <log file=...>}. */
    Optional<String> serialLog() {
        for (Element s : devices("serial")) {
            if ("file".equals(s.getAttribute("type"))) {
                Optional<String> p = child(s, "source").map(e -> e.getAttribute("path")).filter(x -> !x.isEmpty());
                if (p.isPresent()) {
                    return p;
                }
            }
            Optional<String> log = child(s, "log").map(e -> e.getAttribute("file")).filter(x -> !x.isEmpty());
            if (log.isPresent()) {
                return log;
            }
        }
        return Optional.empty();
    }

    // ---- metadata -------------------------------------------------------------------------------

    /** Replaces bgreboot's element in {@code <metadata>} (other programs' elements stay). */
    void setMetadata(VmMetadata m) {
        Element md = child(root(), "metadata").orElseGet(() -> insertAfter(root(), "metadata", "description", "title", "genid", "uuid", "name"));
        for (Node n = md.getFirstChild(); n != null; ) {
            Node next = n.getNextSibling();
            if (n instanceof Element e && VmMetadata.NS.equals(e.getNamespaceURI())) {
                md.removeChild(n);
            }
            n = next;
        }
        Node imported = doc.importNode(parse(m.toXml()).root(), true);
        md.appendChild(imported);
    }

    Optional<VmMetadata> metadata() {
        return child(root(), "metadata").flatMap(md -> {
            for (Node n = md.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && VmMetadata.NS.equals(e.getNamespaceURI())) {
                    return VmMetadata.parse(print(e));
                }
            }
            return Optional.empty();
        });
    }

    // ---- generic helpers ----------------------------------------------------------------------

    static Optional<Element> child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && tag.equals(e.getLocalName() != null ? e.getLocalName() : e.getTagName())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    static List<Element> children(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && tag.equals(e.getLocalName() != null ? e.getLocalName() : e.getTagName())) {
                out.add(e);
            }
        }
        return out;
    }

    static Optional<String> text(Element parent, String tag) {
        return child(parent, tag).map(Element::getTextContent).map(String::strip);
    }

    /** A child {@code <tag>} of {@code parent}, created after the first of {@code after} there is (else first). */
    Element insertAfter(Element parent, String tag, String... after) {
        Element e = doc.createElement(tag);
        for (String a : after) {
            Optional<Element> prev = child(parent, a);
            if (prev.isPresent()) {
                parent.insertBefore(e, prev.get().getNextSibling());
                return e;
            }
        }
        parent.insertBefore(e, parent.getFirstChild());
        return e;
    }

    Element element(String tag) {
        return doc.createElement(tag);
    }

    /** Puts interface {@code nic} elsewhere: its type and a new {@code <source>} with {@code source}'s attributes; MAC, model, address and link stay. */
    void placeInterface(Element nic, String type, java.util.Map<String, String> source) {
        nic.setAttribute("type", type);
        Element s = element("source");
        source.forEach(s::setAttribute);
        children(nic, "source").forEach(nic::removeChild);
        nic.insertBefore(s, nic.getFirstChild());
    }

    /**
     * One {@code <disk>} device. {@code source} is its file (type file), device node (type block) or
     * empty; {@code chain} the layers below it, top first, as a running domain's XML shows them.
     */
    record Disk(Element element, String device, String type, String target, String source, String format, String serial,
                boolean readonly, List<String> chain) {
        static Disk of(Element d) {
            String target = child(d, "target").map(t -> t.getAttribute("dev")).orElse("");
            String source = child(d, "source").map(s -> !s.getAttribute("file").isEmpty() ? s.getAttribute("file")
                    : !s.getAttribute("dev").isEmpty() ? s.getAttribute("dev") : s.getAttribute("name")).orElse("");
            String format = child(d, "driver").map(x -> x.getAttribute("type")).orElse("raw");
            boolean readonly = child(d, "readonly").isPresent() || child(d, "shareable").isPresent();
            List<String> chain = new ArrayList<>();
            Element cur = d;
            while (true) {
                Optional<Element> b = child(cur, "backingStore");
                if (b.isEmpty() || b.get().getAttributes().getLength() == 0 && !b.get().hasChildNodes()) {
                    break;
                }
                Optional<String> f = child(b.get(), "source").map(s -> s.getAttribute("file")).filter(x -> !x.isEmpty());
                if (f.isEmpty()) {
                    break;
                }
                chain.add(f.get());
                cur = b.get();
            }
            return new Disk(d, d.getAttribute("device").isEmpty() ? "disk" : d.getAttribute("device"), d.getAttribute("type"), target, source,
                    format.isEmpty() ? "raw" : format, text(d, "serial").orElse(""), readonly, List.copyOf(chain));
        }

        String xml() {
            return print(element);
        }

        /** Every layer of the disk, its own file first. */
        List<String> layers() {
            List<String> all = new ArrayList<>();
            all.add(source);
            all.addAll(chain);
            return all;
        }
    }
}
