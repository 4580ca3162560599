package org.bgreboot.cli;

import org.bgreboot.engine.embedded.Accel;
import picocli.CommandLine.Option;

/** The options every command that runs VMs shares: which engine, how it runs them. */
final class EngineOptions {
    @Option(names = "--accel", paramLabel = "kvm|tcg", converter = AccelConverter.class,
            description = "Force an accelerator for VMs bgreboot starts (default: KVM if a test boot under it works, else TCG).")
    Accel accel;

    static final class AccelConverter implements picocli.CommandLine.ITypeConverter<Accel> {
        @Override public Accel convert(String value) {
            try {
                return Accel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
