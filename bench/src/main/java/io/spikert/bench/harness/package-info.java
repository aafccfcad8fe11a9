/**
 * The end-to-end benchmark harness ({@code scripts/bench}): whole-model load, prefill and decode
 * speed and resident memory, set against the read bandwidth measured in the same run.
 */
package io.spikert.bench.harness;
