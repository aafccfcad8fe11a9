package io.spikert.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;

/** The input column of an operation and the columns it adds, checked on the driver before anything runs. */
final class Columns {
    private Columns() {}

    /** Where a row's input is: a string column (tokenized) or an array of integer token ids. */
    record Input(int index, boolean text) implements Serializable {
        /** The value {@link io.spikert.spark.rows.RowTokens#of} takes: a String, a java.util.List of ids, or null. */
        Object value(Row row) {
            if (row.isNullAt(index)) {
                return null;
            }
            return text ? row.getString(index) : row.getList(index);
        }
    }

    static Input input(StructType schema, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("no column '" + column + "' among " + Arrays.toString(schema.fieldNames()));
        }
        int index = schema.fieldIndex(column);
        DataType type = schema.fields()[index].dataType();
        if (type instanceof StringType) {
            return new Input(index, true);
        }
        if (type instanceof ArrayType a && (a.elementType() instanceof IntegerType || a.elementType() instanceof LongType)) {
            return new Input(index, false);
        }
        throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString()
                + "; SpikeRT takes a string column (text) or an array<int> column (token ids)");
    }

    /** {@code schema} followed by {@code added}; refuses a name the input already has. */
    static StructType append(StructType schema, StructType added) {
        StructType out = schema;
        for (StructField f : added.fields()) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("the input already has a column '" + f.name()
                        + "', which SpikeRT adds; rename or drop it first");
            }
            out = out.add(f);
        }
        return out;
    }

    /** The input row's values followed by {@code added}. */
    static Row append(Row row, Object... added) {
        int n = row.length();
        Object[] values = new Object[n + added.length];
        for (int i = 0; i < n; i++) {
            values[i] = row.get(i);
        }
        System.arraycopy(added, 0, values, n, added.length);
        return org.apache.spark.sql.RowFactory.create(values);
    }

    static final StructType SCORE = new StructType()
            .add("mean_log_likelihood", DataTypes.DoubleType, true)
            .add("perplexity", DataTypes.DoubleType, true)
            .add("tokens", DataTypes.IntegerType, true)
            .add("error", DataTypes.StringType, true);

    static final StructType GENERATE = new StructType()
            .add("completion", DataTypes.StringType, true)
            .add("completion_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add("finish_reason", DataTypes.StringType, true)
            .add("prompt_tokens", DataTypes.IntegerType, true)
            .add("error", DataTypes.StringType, true);

    static final StructType SPIKES = new StructType()
            .add("tokens", DataTypes.IntegerType, true)
            .add("spikes", DataTypes.LongType, true)
            .add("firing_rate", DataTypes.DoubleType, true)
            .add("silent_share", DataTypes.DoubleType, true)
            .add("mean_abs_count", DataTypes.DoubleType, true)
            .add("sparsity_t3", DataTypes.DoubleType, true)
            .add("error", DataTypes.StringType, true);
}
