/**
 * The guest's bgreboot-keep (guest/keep), which carries the processes of services a guest names
 * across the switch with CRIU, asked through the guest agent: one command at a time under the time
 * limit of the flow's contract, one JSON object per kept service back, read into records. What the
 * flow does with the answers is {@code org.bgreboot.reboot}'s; installing it is {@code contract}'s.
 */
package org.bgreboot.keep;
