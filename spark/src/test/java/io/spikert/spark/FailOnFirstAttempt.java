package io.spikert.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only wrapper of a partition function: the first attempt of partition 0 emits {@code rowsBeforeFailure} rows,
 * then throws, so Spark retries the task; every other attempt runs the function as it is. Counts the failures it
 * injected (the executors are this JVM's threads in local mode).
 */
final class FailOnFirstAttempt implements MapPartitionsFunction<Row, Row> {
    static final AtomicInteger INJECTED = new AtomicInteger();

    private final MapPartitionsFunction<Row, Row> inner;
    private final int rowsBeforeFailure;

    FailOnFirstAttempt(MapPartitionsFunction<Row, Row> inner, int rowsBeforeFailure) {
        this.inner = inner;
        this.rowsBeforeFailure = rowsBeforeFailure;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        Iterator<Row> out = inner.call(rows);
        TaskContext task = TaskContext.get();
        if (task.partitionId() != 0 || task.attemptNumber() != 0) {
            return out;
        }
        return new Iterator<>() {
            private int emitted;

            @Override
            public boolean hasNext() {
                if (emitted == rowsBeforeFailure) {
                    INJECTED.incrementAndGet();
                    throw new IllegalStateException("injected failure of partition 0, attempt 0, after " + emitted + " rows");
                }
                return out.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                emitted++;
                return out.next();
            }
        };
    }
}
