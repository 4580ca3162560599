package org.bgreboot.engine.memory;

/**
 * One bgreboot process as the world sees it: the handles it opened (instances, agent connections)
 * work while it lives and refuse once it is killed, as a killed JVM's sockets close. The guests and
 * what they run carry on: they are the world's, not the process's.
 */
public final class BgrebootProcess {
    private final String name;
    private volatile boolean dead;

    BgrebootProcess(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** SIGKILL: from now on every handle of this process refuses. */
    public void kill() {
        dead = true;
    }

    public boolean dead() {
        return dead;
    }

    /** Called by every handle before it acts. */
    void check() {
        if (dead) {
            throw new Killed("(" + name + " is gone)");
        }
    }

    @Override public String toString() {
        return name;
    }
}
