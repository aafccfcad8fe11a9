/** JMH benchmarks and the end-to-end benchmark harness. */
package io.spikert.bench;
