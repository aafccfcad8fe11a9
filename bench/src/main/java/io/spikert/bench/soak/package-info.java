/**
 * The soak command ({@code scripts/soak}): opens and closes a model and its sessions for many cycles in
 * one JVM, concurrent sessions included, and prints what the process holds as it goes (resident memory,
 * native memory tracking, descriptors, mappings), so a leak shows as a trend.
 */
package io.spikert.bench.soak;
