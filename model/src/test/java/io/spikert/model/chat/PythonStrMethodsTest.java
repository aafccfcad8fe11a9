package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Python's str methods as templates call them; expected values are Python's. */
class PythonStrMethodsTest {
    private static String render(String template, String content) {
        return ChatTemplate.of("test", template, Map.of()).render(List.of(ChatMessage.user(content)), false);
    }

    private static String eval(String expression, String content) {
        return render("{% set s = messages[0].content %}{{ " + expression + " }}", content);
    }

    @Test
    void stripFamily() {
        assertEquals("[a b]", eval("'[' ~ s.strip() ~ ']'", " \n a b \t"));
        assertEquals("[a b \t]", eval("'[' ~ s.lstrip() ~ ']'", " \n a b \t"));
        assertEquals("[xxa]", eval("'[' ~ s.rstrip('y') ~ ']'", "xxayyy"));
        assertEquals("a", eval("s.strip('xy')", "xyaxy"));
    }

    @Test
    void splitAsPythonNotAsARegex() {
        assertEquals("a|b||c", eval("s.split(',') | join('|')", "a,b,,c"));
        assertEquals("a|b", eval("s.split() | join('|')", "  a \n b  "));
        assertEquals("x.y|z", eval("s.rsplit('.', 1) | join('|')", "x.y.z"));
        assertEquals("a|b.c", eval("s.split('.', 1) | join('|')", "a.b.c"));
        assertEquals("answer", eval("s.split('</think>')[-1].lstrip('\\n')", "<think>hm</think>\n\nanswer"));
        assertEquals("1", eval("s.split('.') | length", "no dots"));
    }

    @Test
    void predicatesAndCase() {
        assertEquals("yes", render("{% if messages[0].content.startswith('<tool') %}yes{% endif %}", "<tool_response>"));
        assertEquals("", render("{% if messages[0].content.endswith('x') %}yes{% endif %}", "abc"));
        assertEquals("yes", render("{% if messages[0].content.endswith(['x', 'c']) %}yes{% endif %}", "abc"));
        assertEquals("ABC|abc|Hello World|Hello world", eval("s.upper() ~ '|' ~ s.lower() ~ '|' ~ 'hello wORLD'.title()"
                + " ~ '|' ~ 'hello WORLD'.capitalize()", "aBc"));
        assertEquals("a-b-c|2|1|-1", eval("s.replace(',', '-') ~ '|' ~ s.count(',') ~ '|' ~ s.find(',') ~ '|' ~ s.find('z')", "a,b,c"));
        assertEquals("a-b", eval("'-'.join(['a', 'b'])", ""));
    }
}
