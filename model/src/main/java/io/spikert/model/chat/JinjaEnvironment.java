package io.spikert.model.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.lang.reflect.Method;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;

/**
 * The Jinja engine (HubSpot's Jinjava) set up as Hugging Face's {@code apply_chat_template} sets up Jinja2:
 * {@code trim_blocks} and {@code lstrip_blocks} on, the last newline of the template dropped, whitespace control
 * ({@code {{- ... -}}}) on expressions too, Python's operator precedence and string escapes; plus what templates
 * expect from transformers: {@code raise_exception(msg)}, {@code strftime_now(fmt)}, a {@code tojson} filter that
 * writes Python's {@code json.dumps} form ({@link PyJson}), and Python's str methods ({@link PythonStrMethods}).
 * One instance serves every template; Jinjava renders concurrently.
 */
final class JinjaEnvironment {
    /** A rendered prompt larger than this is a runaway template, not a conversation. */
    static final long MAX_OUTPUT_CHARS = 64L << 20;

    static final Jinjava JINJAVA = create();

    private JinjaEnvironment() {}

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        // Python's str methods first, then Jinjava's own read-only chain (JinjavaInterpreterResolver's default)
        resolver.add(new PythonStrMethods());
        resolver.add(new ArrayELResolver(true));
        resolver.add(new JinjavaListELResolver(true));
        resolver.add(new TypeConvertingMapELResolver(true));
        resolver.add(new JinjavaBeanELResolver(true));
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Jinja2 drops one trailing newline of the template's source (ChatTemplate does that); Jinjava's
                // setting would drop one of the output instead, which ends in a meaningful "\n" in most templates
                .withKeepTrailingNewline(true)
                .withElResolver(resolver)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                // never render the text of a value as a template: message content is data ("{% x %}" stays text)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} trims, as in Jinja2
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withHandleBackslashInQuotesOnly(true) // "\n" and '\'' as Python reads them
                        .withIterateOverMapKeys(true) // {% for k in dict %} gives keys, as in Python
                        .withEvaluateMapKeys(true) // {"output": x}: "output" is a string key
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        var global = jinjava.getGlobalContext();
        global.registerFilter(new ToJson());
        global.registerFunction(function("raise_exception", "raiseException", Object.class));
        global.registerFunction(function("strftime_now", "strftimeNow", String.class));
        global.registerFunction(function("spikert_slice", "slice", Object.class, Object.class, Object.class, Object.class));
        return jinjava;
    }

    /** A static method of this (package-private) class as a template function. */
    private static ELFunctionDefinition function(String name, String method, Class<?>... parameters) {
        try {
            Method m = JinjaEnvironment.class.getDeclaredMethod(method, parameters);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** What {@code raise_exception(message)} throws: the template refuses the conversation. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code raise_exception(message)}, as transformers defines it for chat templates. */
    static Object raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the local date and time in a C strftime format, as transformers defines it. */
    static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** Python's {@code seq[start:stop:step]} of a list or string ({@link JinjaSource} rewrites such slices to this). */
    static Object slice(Object seq, Object start, Object stop, Object step) {
        int st = step == null ? 1 : ((Number) step).intValue();
        if (st == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        List<?> items = seq instanceof CharSequence cs ? cs.toString().codePoints().mapToObj(Character::toString).toList()
                : seq instanceof List<?> l ? l : null;
        if (items == null) {
            throw new IllegalArgumentException("cannot slice " + (seq == null ? "none" : seq.getClass().getSimpleName()));
        }
        int n = items.size();
        int lo = st > 0 ? bound(start, 0, n, n, 0) : bound(start, n - 1, n, n - 1, -1);
        int hi = st > 0 ? bound(stop, n, n, n, 0) : bound(stop, -1, n, n - 1, -1);
        List<Object> out = new java.util.ArrayList<>();
        for (int i = lo; st > 0 ? i < hi : i > hi; i += st) {
            out.add(items.get(i));
        }
        if (seq instanceof CharSequence) {
            StringBuilder sb = new StringBuilder();
            out.forEach(sb::append);
            return sb.toString();
        }
        return out;
    }

    /** A slice bound as Python computes it: negative from the end, clamped to [lowest, highest]. */
    private static int bound(Object v, int absent, int n, int highest, int lowest) {
        if (v == null) {
            return absent;
        }
        int i = ((Number) v).intValue();
        if (i < 0) {
            i += n;
        }
        return Math.max(lowest, Math.min(highest, i));
    }

    /** {@code tojson(indent=None, ensure_ascii=False, separators=None, sort_keys=False)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            String item = null;
            String key = null;
            if (kwargs.get("separators") instanceof List<?> seps && seps.size() == 2) {
                item = String.valueOf(seps.get(0));
                key = String.valueOf(seps.get(1));
            }
            return PyJson.write(var, new PyJson.Options(indent instanceof Number n ? n.intValue() : null, item, key,
                    Boolean.TRUE.equals(kwargs.get("sort_keys")), Boolean.TRUE.equals(kwargs.get("ensure_ascii"))));
        }
    }
}
