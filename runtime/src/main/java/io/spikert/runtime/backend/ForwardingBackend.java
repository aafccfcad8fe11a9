package io.spikert.runtime.backend;

/**
 * A backend that passes every operator to another one: a wrapper (a spike observer, a test's
 * rendezvous) overrides only the operators it watches.
 */
public abstract class ForwardingBackend implements Backend {
    protected final Backend delegate;

    protected ForwardingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int defaultChunk() {
        return delegate.defaultChunk();
    }

    @Override
    public boolean deviceMemory() {
        return delegate.deviceMemory();
    }

    @Override
    public boolean runsFloatSpikeForm() {
        return delegate.runsFloatSpikeForm();
    }

    @Override
    public boolean holdsKvCache(KvPrecision precision) {
        return delegate.holdsKvCache(precision);
    }

    @Override
    public Memory newMemory(String owner) {
        return delegate.newMemory(owner);
    }

    @Override
    public void upload(int[] ids, int from, int count, Ints dst) {
        delegate.upload(ids, from, count, dst);
    }

    @Override
    public void upload(float[] src, int from, int count, Floats dst) {
        delegate.upload(src, from, count, dst);
    }

    @Override
    public void download(Floats src, int count, float[] dst, int dstOff) {
        delegate.download(src, count, dst, dstOff);
    }

    @Override
    public void download(Spikes src, int rows, int width, int[] counts, float[] vth) {
        delegate.download(src, rows, width, counts, vth);
    }

    @Override
    public void embed(Matrix table, Ints ids, int count, Floats out) {
        delegate.embed(table, ids, count, out);
    }

    @Override
    public void rmsnorm(Floats x, WeightVector w, Floats out, int n, int rows, float eps) {
        delegate.rmsnorm(x, w, out, n, rows, eps);
    }

    @Override
    public void add(Floats x, Floats y, int n) {
        delegate.add(x, y, n);
    }

    @Override
    public void siluMul(Floats gate, Floats up, Floats out, int n) {
        delegate.siluMul(gate, up, out, n);
    }

    @Override
    public void biasAct(Floats y, WeightVector bias, int n, int rows, Activation act, float divisor) {
        delegate.biasAct(y, bias, n, rows, act, divisor);
    }

    @Override
    public void linear(Matrix w, Floats x, int rows, Floats y) {
        delegate.linear(w, x, rows, y);
    }

    @Override
    public void int8Linear(Int8Matrix w, Floats x, int rows, Floats y) {
        delegate.int8Linear(w, x, rows, y);
    }

    @Override
    public boolean multipliesQuantizedWeights() {
        return delegate.multipliesQuantizedWeights();
    }

    @Override
    public void quantLinear(QuantMatrix w, Floats x, int rows, Floats y) {
        delegate.quantLinear(w, x, rows, y);
    }

    @Override
    public void spikeEncode(Floats x, int n, float k, int rows, Spikes out) {
        delegate.spikeEncode(x, n, k, rows, out);
    }

    @Override
    public SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y) {
        return delegate.spikeLinear(w, spikes, rows, y);
    }

    @Override
    public void spikeQuantize(Floats x, int n, float k, int rows) {
        delegate.spikeQuantize(x, n, k, rows);
    }

    @Override
    public void int8Quantize(Floats x, int n, int rows) {
        delegate.int8Quantize(x, n, rows);
    }

    @Override
    public void ropeAngles(Floats cos, Floats sin, long pos0, int tokens, int headDim, double theta) {
        delegate.ropeAngles(cos, sin, pos0, tokens, headDim, theta);
    }

    @Override
    public void rope(Floats x, Floats cos, Floats sin, int tokens, int heads, int headDim, int ld) {
        delegate.rope(x, cos, sin, tokens, heads, headDim, ld);
    }

    @Override
    public void gla(GlaState state, Floats q, Floats k, Floats v, Floats g, Floats out, int tokens, int group, float scale) {
        delegate.gla(state, q, k, v, g, out, tokens, group, scale);
    }

    @Override
    public void swa(KvCache cache, Floats q, Floats k, Floats v, Floats out, int tokens, long pos0, int group, float scale) {
        delegate.swa(cache, q, k, v, out, tokens, pos0, group, scale);
    }

    @Override
    public float[] saveState(RecurrentState state, long position) {
        return delegate.saveState(state, position);
    }

    @Override
    public void loadState(float[] image, long position, RecurrentState state) {
        delegate.loadState(image, position, state);
    }

    @Override
    public long weightBytesRead() {
        return delegate.weightBytesRead();
    }

    /** Closes the delegate. */
    @Override
    public void close() {
        delegate.close();
    }
}
