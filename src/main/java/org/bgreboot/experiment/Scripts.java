package org.bgreboot.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bgreboot.UserError;

/** Runs the project's own scripts ({@code scripts/*.sh}) and hands back what they print on stdout. */
final class Scripts {
    private final Path dir;
    private final Map<String, String> env;

    Scripts(Path repo, Map<String, String> env) {
        this.dir = repo.resolve("scripts");
        this.env = env;
    }

    String run(String script, String... args) {
        List<String> argv = new ArrayList<>(List.of("bash", dir.resolve(script).toString()));
        argv.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            StringBuilder err = new StringBuilder();
            Thread t = new Thread(() -> {
                try {
                    err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // ended
                }
            });
            t.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            t.join();
            if (exit != 0) {
                String last = err.toString().strip().lines().reduce((a, b) -> b).orElse("exit " + exit);
                throw new UserError(script + " " + String.join(" ", args) + " failed: " + last);
            }
            return out;
        } catch (IOException e) {
            throw new UserError("cannot run " + dir.resolve(script) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
