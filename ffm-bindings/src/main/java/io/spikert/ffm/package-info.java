/**
 * Foreign Function &amp; Memory bindings to GPU vendor libraries (CUDA, MetaX MACA), in the shape
 * jextract generates. The bindings arrive with the GPU issue; this module has no dependencies.
 */
package io.spikert.ffm;
