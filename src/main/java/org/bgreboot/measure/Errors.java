package org.bgreboot.measure;

/** Short, single-line descriptions of request failures for logs and samples. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        String msg = e.getMessage();
        String name = e.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? name : name + ": " + msg.replace('\n', ' ');
    }
}
