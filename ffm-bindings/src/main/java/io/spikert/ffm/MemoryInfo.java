package io.spikert.ffm;

/** Free and total device memory of the current device, in bytes. */
public record MemoryInfo(long freeBytes, long totalBytes) {
}
