package org.bgreboot.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged bgreboot CLI as a user would, with the test home and the shared cache. */
public final class Cli {
    private Cli() {}

    /** What a command printed and returned. */
    public record Run(int exit, String stdout, String stderr) {
        public List<String> stderrLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }

        /** The last line on stderr: where a failure's one-line message is. */
        public String error() {
            List<String> l = stderrLines();
            return l.isEmpty() ? "" : l.get(l.size() - 1);
        }
    }

    public static Run run(String... args) {
        return run(Map.of(), args);
    }

    /**
     * The packaged CLI as a process to start, in the tests' home. SIGINT and SIGTERM are set back to
     * their defaults first (env --default-signal, then exec: the same pid): a ./test started in the
     * background by a shell runs with SIGINT ignored, which every child inherits, and the JVM then
     * installs no handler for it, so a test's Ctrl-C would never arrive.
     */
    static ProcessBuilder builder(Map<String, String> env, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT,TERM", javaBin(), "-jar",
                System.getProperty("bgreboot.jar", TestVms.REPO.resolve("target/bgreboot.jar").toString())));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BGREBOOT_HOME", TestVms.home().home().toString());
        pb.environment().put("BGREBOOT_CACHE", TestVms.home().cache().toString());
        pb.environment().put("BGREBOOT_REPO", TestVms.REPO.toString());
        pb.environment().putAll(env);
        return pb;
    }

    public static Run run(Map<String, String> env, String... args) {
        ProcessBuilder pb = builder(env, List.of(args));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            StringBuilder errText = new StringBuilder();
            Thread t = new Thread(() -> {
                try {
                    errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // process ended
                }
            });
            t.start();
            String stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("bgreboot " + String.join(" ", args) + " did not finish");
            }
            t.join();
            Run r = new Run(p.exitValue(), stdout, errText.toString());
            System.out.println("$ bgreboot " + String.join(" ", args) + "  -> exit " + r.exit() + "\n" + r.stdout() + r.stderr());
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
