package org.bgreboot.engine.memory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.bgreboot.Sleep;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.engine.Capability;
import org.bgreboot.engine.Console;
import org.bgreboot.engine.CpuCeiling;
import org.bgreboot.engine.CpuShare;
import org.bgreboot.engine.DiskHandover;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.InstanceCpu;
import org.bgreboot.engine.InstanceDisk;
import org.bgreboot.engine.InstanceId;
import org.bgreboot.engine.InstanceNetwork;
import org.bgreboot.engine.LifecycleWatch;
import org.bgreboot.engine.PowerOffRequest;

/**
 * One bgreboot process's handle to an instance in the world: every call first checks that the
 * process lives and the host answers, then acts on the world under its lock. Closing it closes
 * the handle's agent connection, not the instance.
 */
final class MemoryInstance implements Instance {
    private final World world;
    private final BgrebootProcess process;
    private final Machine machine;
    private GuestAgent agent;

    MemoryInstance(World world, BgrebootProcess process, Machine machine) {
        this.world = world;
        this.process = process;
        this.machine = machine;
    }

    Machine machine() {
        return machine;
    }

    private void enter() {
        world.enter(process, machine.host);
    }

    @Override public InstanceId id() {
        return new InstanceId(machine.id);
    }

    @Override public String describe() {
        return "memory instance " + machine.id + " on " + machine.host;
    }

    @Override public boolean alive() {
        enter();
        synchronized (world) {
            world.tick();
            return machine.alive();
        }
    }

    @Override public synchronized GuestAgent agent() {
        enter();
        if (agent == null) {
            agent = new GuestAgent(new MemoryAgentChannel(world, process, machine));
        }
        return agent;
    }

    @Override public LifecycleWatch watch() {
        enter();
        return new LifecycleWatch() {
            @Override public Optional<String> fatal() {
                enter();
                synchronized (world) {
                    world.tick();
                    if (!machine.alive()) {
                        return Optional.of(machine + " exited (" + machine.exitWhy + ")");
                    }
                    if (machine.guest.status == Guest.Status.PANICKED) {
                        return Optional.of("the guest of " + machine + " panicked");
                    }
                    return Optional.empty();
                }
            }

            @Override public void close() { }
        };
    }

    @Override public Console console() {
        return new Console() {
            @Override public String readFrom(long offset) {
                String all = world.guest(machine).console.toString();
                return offset >= all.length() ? "" : all.substring((int) offset);
            }

            @Override public long length() {
                return world.guest(machine).console.length();
            }

            @Override public String where() {
                return "the console of " + machine + " (in memory)";
            }
        };
    }

    @Override public String runState() {
        enter();
        synchronized (world) {
            world.tick();
            return switch (machine.state) {
                case RUNNING -> "running";
                case PAUSED -> machine.guest.status == Guest.Status.PANICKED ? "guest-panicked" : "paused";
                case DEAD -> "shutdown";
            };
        }
    }

    @Override public Map<String, String> details() {
        return Map.of("host", machine.host, "generation", String.valueOf(machine.generation));
    }

    @Override public boolean requestPowerOff(PowerOffRequest how) {
        enter();
        return world.powerOff(machine);
    }

    @Override public boolean awaitExit(Duration timeout) {
        enter();
        synchronized (world) {
            world.tick();
            return !machine.alive(); // a guest that ignores the request: its timeout passes at once
        }
    }

    @Override public void kill() {
        enter();
        world.kill(machine);
    }

    @Override public void resumeIfPaused() {
        enter();
        world.resume(machine);
    }

    @Override public InstanceNetwork network() {
        return new InstanceNetwork() {
            @Override public void isolate() {
                enter();
                world.isolate(machine);
            }

            @Override public String linkUp() {
                enter();
                return world.linkUp(machine);
            }

            @Override public void take() {
                enter();
                world.takeNetwork(machine);
            }

            @Override public void handOver() {
                enter();
                world.handOver(machine);
            }

            @Override public long drain() {
                enter();
                return 0;
            }

            @Override public void release() {
                enter();
                world.releaseNetwork(machine);
            }
        };
    }

    @Override public InstanceCpu cpu() {
        return new InstanceCpu() {
            @Override public void share(CpuShare share) {
                enter();
                world.share(machine, share);
            }

            @Override public String policy() {
                return machine.share == CpuShare.IDLE ? "SCHED_IDLE (in memory)" : "SCHED_OTHER (in memory)";
            }

            @Override public OptionalLong usedNanos() {
                enter();
                synchronized (world) {
                    return machine.alive() ? OptionalLong.of(world.usedNanos(machine)) : OptionalLong.empty();
                }
            }

            @Override public Capability<CpuCeiling> ceiling() {
                enter();
                synchronized (world) {
                    if (!world.scriptOf(machine).ceiling) {
                        return Capability.absent("the host in memory was told it has no CPU controller");
                    }
                }
                return Capability.of(new CpuCeiling() {
                    @Override public void set(double fraction) {
                        enter();
                        world.ceiling(machine, fraction);
                    }

                    @Override public OptionalLong throttledMicros() {
                        return OptionalLong.of(0);
                    }
                });
            }
        };
    }

    @Override public InstanceDisk persistentDisk() {
        return new InstanceDisk() {
            @Override public boolean attached() {
                enter();
                synchronized (world) {
                    return machine.attached;
                }
            }

            /** Waits, in real time, for a killed instance that lingers; one that never lets go is told at once. */
            @Override public void awaitReleased(Duration timeout) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    enter();
                    if (world.released(machine)) {
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(machine + " still holds its disk " + timeout.toMillis() + " ms after its kill");
                    }
                    Sleep.ms(1);
                }
            }

            @Override public DiskHandover take() {
                enter();
                return world.take(machine);
            }
        };
    }

    @Override public OptionalLong storageReadBytes() {
        return OptionalLong.empty();
    }

    @Override public synchronized void close() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    @Override public String toString() {
        return describe();
    }
}
