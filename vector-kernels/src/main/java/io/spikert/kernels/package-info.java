/** SIMD kernels on jdk.incubator.vector, each with a scalar reference twin used by the tests. */
package io.spikert.kernels;
