package org.bgreboot.cli;

/** Entry point; the picocli command tree is assembled in {@link BgrebootCommand}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(BgrebootCommand.run(args));
    }
}
