package org.bgreboot.render;


import org.bgreboot.measure.RunClock;
/** A named phase of the reboot (clone, bg boot, switch...) in RunClock ms, drawn as a band over a timeline. */
public record PhaseMark(String name, double startMs, double endMs) {}
