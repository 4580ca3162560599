package org.bgreboot.engine;

/** How the persistent disk reached the new instance at a switch. */
public enum DiskHandover {
    /** The device the clone booted with (a placeholder) now backed by the disk's image. */
    SWAP,
    /** A new device hot-plugged into the clone. */
    HOT_PLUG
}
