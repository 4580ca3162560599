package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bgreboot.Home;
import org.bgreboot.cli.BgrebootCommand;
import org.bgreboot.cli.HelpSummaryTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * bgreboot's Debian package as a host gets it: built twice by the package command (the same
 * bytes), checked by lintian, installed with apt-get into a clean Debian 12 root made by
 * debootstrap (the Java runtime comes from Debian's mirror), run there (version, help, man pages,
 * completion, its start-up archive), then removed and purged, after which nothing of it is left.
 * The steps run in order on one root; a step whose predecessor failed is skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageIT {
    private static final Path OUT = TestVms.REPO.resolve("target/package-it");
    private final long started = System.nanoTime();
    private Path deb;
    private String version;
    private DebianRoot debian;
    private boolean installed;
    private String installOutput = "";

    @Test
    @Order(1)
    void thePackageCommandGivesTheSameBytesTwice() throws IOException {
        Path first = build("a");
        Path second = build("b");
        deb = first;
        version = host("dpkg-deb", "-f", deb.toString(), "Version").output().strip();
        if (Files.mismatch(first, second) != -1) {
            // say where they differ before failing: the members, then the files' checksums
            System.out.println(host("bash", "-c", "cmp " + first + " " + second + "; diff <(dpkg-deb -c " + first + ") <(dpkg-deb -c " + second
                    + "); diff <(dpkg-deb -I " + first + " md5sums) <(dpkg-deb -I " + second + " md5sums)").output());
        }
        assertThat(Files.mismatch(first, second)).as("two builds of one commit differ").isEqualTo(-1L);
    }

    @Test
    @Order(2)
    void lintianFindsNoErrorOrWarning() {
        assumeTrue(deb != null, "no package was built");
        DebianRoot.Run lintian = host("lintian", "--fail-on", "error,warning", "-I", "--pedantic", deb.toString());
        System.out.println("  lintian: " + (lintian.output().isBlank() ? "nothing to say" : "\n" + lintian.output().strip()));
        assertThat(lintian.output().lines().filter(l -> l.matches("[EW]: .*"))).as("lintian's errors and warnings").isEmpty();
        assertThat(lintian.exit()).isZero();
    }

    @Test
    @Order(3)
    void itDependsOnARuntimeNotOnBuildTools() {
        assumeTrue(deb != null, "no package was built");
        String fields = host("dpkg-deb", "-f", deb.toString(), "Architecture", "Depends", "Recommends", "Suggests").ok().output();
        assertThat(fields).contains("Architecture: all", "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, qemu-utils",
                "Recommends: qemu-system-x86, libvirt-clients", "Suggests: libvirt-daemon-system");
        assertThat(fields).doesNotContain("jdk", "maven");
        assertThat(host("dpkg-deb", "-I", deb.toString(), "conffiles").ok().output().strip()).isEqualTo("/etc/bgreboot/watch.toml");

        List<String> members = host("dpkg-deb", "-c", deb.toString()).ok().output().lines().toList();
        assertThat(members).allSatisfy(m -> assertThat(m).contains(" root/root "));
        assertThat(members.stream().map(m -> m.split("\\s+")[3] + " " + m.split("\\s+")[4]).distinct()).as("one date for every file").hasSize(1);
        List<String> paths = members.stream().map(m -> m.substring(m.indexOf("./") + 1)).toList();
        assertThat(paths).contains("/usr/bin/bgreboot", "/usr/share/bgreboot/bgreboot.jar", "/usr/share/bash-completion/completions/bgreboot",
                "/lib/systemd/system/bgreboot-watch.service", "/etc/bgreboot/watch.toml", "/usr/share/doc/bgreboot/copyright",
                "/usr/share/bgreboot/guest/bgreboot-guest_" + guestVersion() + "_amd64.deb",
                "/usr/share/bgreboot/guest/bgreboot-svc_" + guestVersion() + "_amd64.deb",
                "/usr/share/bgreboot/guest/bgreboot-keep_" + guestVersion() + "_all.deb");
        assertThat(paths).as("a man page for every command").containsAll(manPages());
    }

    @Test
    @Order(4)
    void aptGetInstallsItIntoACleanDebian12() throws IOException {
        assumeTrue(deb != null, "no package was built");
        long t = System.nanoTime();
        debian = DebianRoot.fresh(Home.fromEnvironment().cache().resolve("package-it"));
        step("a clean Debian 12 root unpacked", t);
        Files.copy(deb, debian.path("/root/" + deb.getFileName()));
        t = System.nanoTime();
        debian.sh(Duration.ofMinutes(5), "apt-get update -q").ok();
        step("apt-get update", t);
        // installed without Recommends: QEMU and libvirt's clients are some 330 more packages
        // (5 min here); apt resolving them in a dry run shows they are there to be had
        String withRecommends = debian.sh("apt-get install -s /root/" + deb.getFileName()).ok().output();
        assertThat(withRecommends).contains("Inst qemu-system-x86 ", "Inst libvirt-clients ", "Inst bgreboot ");
        t = System.nanoTime();
        DebianRoot.Run install = debian.sh(Duration.ofMinutes(15), "apt-get install -y -q --no-install-recommends /root/" + deb.getFileName());
        step("apt-get install ./" + deb.getFileName() + " (" + newlyInstalled(install.output()) + ")", t);
        install.ok();
        installOutput = install.output();
        assertThat(debian.sh("dpkg-query -W -f='${Status}' bgreboot").ok().output()).isEqualTo("install ok installed");
        String packages = debian.sh("dpkg-query -W -f='${Package}\\n'").ok().output();
        assertThat(packages).contains("qemu-utils").containsPattern("openjdk-\\d+-jre-headless").doesNotContain("-jdk", "maven");
        assertThat(debian.path("/var/lib/bgreboot")).isDirectory();
        assertThat(debian.path("/var/cache/bgreboot")).isDirectory();
        installed = true;
    }

    @Test
    @Order(5)
    void itRunsAsInstalled() {
        assumeTrue(installed, "not installed");
        // from /, without a checkout or BGREBOOT_REPO
        assertThat(debian.sh("cd / && bgreboot --version").ok().output().strip()).isEqualTo("bgreboot " + version);
        String help = debian.sh("cd / && bgreboot --help").ok().output();
        assertThat(help).startsWith("Usage: bgreboot");
        assertThat(HelpSummaryTest.commandList(help)).hasSize(new CommandLine(new BgrebootCommand()).getSubcommands().size())
                .allSatisfy(entry -> assertThat(entry).endsWith("."));
        assertThat(debian.sh("cd / && bgreboot vm list").ok().output()).contains("no VMs yet");
        String guestInstall = debian.sh("cd / && bgreboot guest install --help").ok().output();
        assertThat(guestInstall).startsWith("Usage: bgreboot guest install").contains("Install the bgreboot-guest package");

        // read as a user: man-db keeps what root has it format in /var/cache/man (its daily job
        // expires those), which would outlive the purge below under bgreboot's names
        String asUser = "MANWIDTH=80 setpriv --reuid=nobody --regid=nogroup --clear-groups man -P cat ";
        String man = debian.sh(asUser + "bgreboot").ok().output();
        assertThat(man).contains("NAME", "bgreboot - Reboot a VM into an updated OS", "COMMANDS", "Start, stop and inspect VMs.");
        assertThat(debian.sh(asUser + "bgreboot-vm-start").ok().output()).contains("bgreboot-vm-start", "--no-wait");
        assertThat(manPages()).allSatisfy(page -> assertThat(debian.path(page)).isRegularFile());

        // bgreboot vm st<TAB>, as bash's programmable completion calls the function
        String completion = debian.sh("""
                exec bash -c '. /usr/share/bash-completion/completions/bgreboot
                COMP_WORDS=(bgreboot vm st); COMP_CWORD=2; COMP_LINE="bgreboot vm st"; COMP_POINT=${#COMP_LINE}
                _complete_bgreboot bgreboot st vm 2> /dev/null; printf "%s\\n" "${COMPREPLY[@]}"'
                """).ok().output();
        Set<String> expected = new TreeSet<>(new CommandLine(new BgrebootCommand()).getSubcommands().get("vm").getSubcommands().keySet());
        expected.removeIf(name -> !name.startsWith("st"));
        assertThat(new TreeSet<>(completion.lines().toList())).isEqualTo(expected).contains("start", "stop", "status");
    }

    @Test
    @Order(6)
    void itStartsFromItsClassDataSharingArchiveForTheRuntimeItWasMadeFor() {
        assumeTrue(installed, "not installed");
        assertThat(archiveMessages(installOutput)).as("what make-cds-archive said in postinst").isEmpty();
        assertThat(mainLoadedFrom()).as("with the archive made in postinst").isEqualTo("shared objects file");

        // /usr/bin/java is no longer the runtime the archive was made for: it starts without it
        String madeFor = debian.sh("cat /var/cache/bgreboot/cds/java").ok().output().strip();
        debian.sh("echo /usr/lib/jvm/another/bin/java > /var/cache/bgreboot/cds/java").ok();
        assertThat(mainLoadedFrom()).as("with an archive of another runtime").startsWith("file:/usr/share/bgreboot/bgreboot.jar");
        assertThat(debian.sh("bgreboot --version").ok().output().strip()).isEqualTo("bgreboot " + version);

        // a Java update (here: the same one again) makes it anew, through the trigger on /usr/lib/jvm
        debian.sh("rm /var/cache/bgreboot/cds/bgreboot.jsa").ok();
        String jre = debian.sh("dpkg-query -S \"$(readlink -f /usr/bin/java)\" | cut -d: -f1").ok().output().strip();
        long t = System.nanoTime();
        DebianRoot.Run update = debian.sh(Duration.ofMinutes(5), "apt-get install -y -q --reinstall " + jre).ok();
        step("apt-get install --reinstall " + jre, t);
        assertThat(update.output()).contains("Processing triggers for bgreboot");
        assertThat(archiveMessages(update.output())).as("what make-cds-archive said in the trigger").isEmpty();
        assertThat(debian.sh("cat /var/cache/bgreboot/cds/java").ok().output().strip()).isEqualTo(madeFor);
        assertThat(mainLoadedFrom()).as("with the archive the trigger made").isEqualTo("shared objects file");
    }

    @Test
    @Order(7)
    void removeKeepsStateAndConfigurationAndPurgeLeavesNothing() {
        assumeTrue(installed, "not installed");
        List<String> files = debian.sh("dpkg -L bgreboot").ok().output().lines().filter(l -> l.startsWith("/") && !l.equals("/.")).toList();
        debian.sh("mkdir -p /var/lib/bgreboot/specs && echo 'name = \"web\"' > /var/lib/bgreboot/specs/web.toml"
                + " && echo '#interval = \"5m\"' >> /etc/bgreboot/watch.toml").ok();

        long t = System.nanoTime();
        debian.sh("apt-get remove -y -q bgreboot").ok();
        step("apt-get remove bgreboot", t);
        assertThat(debian.sh("dpkg-query -W -f='${Status}' bgreboot").ok().output()).isEqualTo("deinstall ok config-files");
        assertThat(debian.path("/usr/bin/bgreboot")).doesNotExist();
        assertThat(debian.path("/usr/share/bgreboot")).doesNotExist();
        assertThat(debian.path("/var/cache/bgreboot/cds")).as("the start-up archive of the jar removed").doesNotExist();
        assertThat(debian.path("/etc/bgreboot/watch.toml")).as("configuration kept until purge").exists();
        assertThat(debian.path("/var/lib/bgreboot/specs/web.toml")).as("state kept until purge").exists();

        t = System.nanoTime();
        debian.sh("apt-get purge -y -q bgreboot").ok();
        step("apt-get purge bgreboot", t);
        assertThat(debian.sh("dpkg-query -W -f='${Status}' bgreboot 2>&1").output()).doesNotContain("ok installed", "config-files");
        for (String dir : List.of("/var/lib/bgreboot", "/var/cache/bgreboot", "/etc/bgreboot")) {
            assertThat(debian.path(dir)).as(dir + " after purge").doesNotExist();
        }
        List<String> left = new ArrayList<>();
        for (String f : files) {
            Path p = debian.path(f);
            // a directory may stay when another package owns it (/usr/share/man/man1, /lib/systemd/system...)
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !(Files.isDirectory(p) && debian.sh("dpkg-query -S '" + f + "'").exit() == 0)) {
                left.add(f);
            }
        }
        assertThat(left).as("bgreboot's files left after purge").isEmpty();
        debian.sh("rm /root/" + deb.getFileName()).ok();
        String named = debian.sh("find / -xdev -path /var/cache/apt/archives -prune -o -name '*bgreboot*' -print").ok().output();
        assertThat(named.lines()).as("anything named bgreboot left anywhere (unit state, masks, caches)").isEmpty();
    }

    @AfterAll
    void close() {
        try {
            if (debian != null) {
                debian.close();
            }
        } finally {
            step("PackageIT", started);
        }
    }

    /** Runs the package command of the README with its own fresh build directory; its output to the test log. */
    private Path build(String name) {
        String work = "target/package-it/" + name;
        DebianRoot.host(Duration.ofMinutes(2), "rm", "-rf", TestVms.REPO.resolve(work).toString()).ok();
        long t = System.nanoTime();
        DebianRoot.Run run = DebianRoot.host(Duration.ofMinutes(15), TestVms.REPO.resolve("bgreboot").toString(), "package",
                "--work", work, "--out", OUT.resolve(name).toString());
        System.out.println(run.output().strip().indent(2).stripTrailing().replace("package:", "package (" + name + "):"));
        run.ok();
        step("./bgreboot package (" + name + ")", t);
        Path built = Path.of(run.output().strip().lines().filter(l -> l.endsWith(".deb") && l.startsWith("/")).reduce((a, b) -> b).orElseThrow());
        assertThat(built).isRegularFile().hasParent(OUT.resolve(name));
        assertThat(built.getFileName().toString()).matches("bgreboot_[0-9][^_]*_all\\.deb");
        return built;
    }

    /** The guest packages' own version (guest/package/VERSION). */
    private static String guestVersion() {
        try {
            return Files.readString(TestVms.REPO.resolve("guest/package/VERSION")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The lines of a package script's output that say the start-up archive was not made, and why. */
    private static List<String> archiveMessages(String aptOutput) {
        List<String> lines = aptOutput.lines().toList();
        int failed = lines.indexOf("bgreboot: could not make the start-up archive; bgreboot works, only starts slower");
        return failed < 0 ? List.of() : lines.subList(Math.max(0, failed - 8), failed + 1);
    }

    /** Where the installed bgreboot's main class came from, as the JVM's class-loading log says. */
    private String mainLoadedFrom() {
        String log = debian.sh("rm -f /tmp/classes.log; JAVA_TOOL_OPTIONS=-Xlog:class+load:file=/tmp/classes.log bgreboot --version > /dev/null 2>&1;"
                + " grep ' org.bgreboot.cli.Main ' /tmp/classes.log").ok().output().strip();
        return log.substring(log.indexOf("source: ") + "source: ".length());
    }

    /** The man page of every command of the real command tree, as installed. */
    private static List<String> manPages() {
        List<String> pages = new ArrayList<>();
        walk(new CommandLine(new BgrebootCommand()).getCommandSpec(), spec -> pages.add("/usr/share/man/man1/" + spec.qualifiedName("-") + ".1.gz"));
        return pages;
    }

    private static void walk(CommandSpec spec, java.util.function.Consumer<CommandSpec> each) {
        each.accept(spec);
        spec.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct().forEach(s -> walk(s, each));
    }

    private static String newlyInstalled(String aptOutput) {
        return Arrays.stream(aptOutput.split("\n")).filter(l -> l.contains("newly installed")).findFirst().orElse("").strip();
    }

    private static DebianRoot.Run host(String... argv) {
        return DebianRoot.host(Duration.ofMinutes(5), argv);
    }

    private static void step(String what, long since) {
        System.out.printf("  %-60s %6.1f s%n", what, (System.nanoTime() - since) / 1e9);
    }
}
