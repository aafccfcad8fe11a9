package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JinjaSourceTest {
    @Test
    void unaryNotTakesTheWholeComparisonAsInJinja2() {
        assertEquals("{%- if not (tools is defined) %}", JinjaSource.prepare("{%- if not tools is defined %}"));
        assertEquals("{% if not (messages[0]['content'] is string) and x %}",
                JinjaSource.prepare("{% if not messages[0]['content'] is string and x %}"));
        assertEquals("{{ a or not (b == c) }}", JinjaSource.prepare("{{ a or not b == c }}"));
        assertEquals("{{ f(not (a in b), c) }}", JinjaSource.prepare("{{ f(not a in b, c) }}"));
    }

    @Test
    void binaryNotFormsAndSingleOperandsStayAsTheyAre() {
        for (String s : List.of("{% if x is not none %}", "{% if 'a' not in m %}", "{{ 1 if not x else 2 }}",
                "{% if not loop.first %}", "{{ not(x) }}")) {
            String prepared = JinjaSource.prepare(s);
            assertEquals(s.replace("not loop.first", "not (loop.first)"), prepared);
        }
    }

    @Test
    void textStringsCommentsAndRawBlocksAreNotTouched() {
        String s = "do not x is y {{ 'not a is b' }}{# not c is d #}{% raw %}{{ not e is f }}{% endraw %}";
        assertEquals(s, JinjaSource.prepare(s));
        assertEquals("{{ '}}' ~ not (a is b) }}", JinjaSource.prepare("{{ '}}' ~ not a is b }}"));
    }

    @Test
    void steppedSlicesBecomeCalls() {
        assertEquals("{% for m in spikert_slice(messages, none, none, -1) %}", JinjaSource.prepare("{% for m in messages[::-1] %}"));
        assertEquals("{{ spikert_slice(a.b[0], 1, -1, 2) ~ x[1:2] ~ [1, 2] }}", JinjaSource.prepare("{{ a.b[0][1:-1:2] ~ x[1:2] ~ [1, 2] }}"));
        ChatTemplate t = ChatTemplate.of("t", "{% for m in messages[::-1] %}{{ m.content }}{% endfor %}|{{ 'abcdef'[::2] }}"
                + "|{{ 'abcdef'[-2::-2] }}|{{ (messages | map(attribute='content') | list)[1::] | join }}", Map.of());
        assertEquals("cba|ace|eca|bc", t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"), ChatMessage.user("c")), false));
    }

    @Test
    void generationMarksAreRemoved() {
        assertEquals("a{{ x }}b", JinjaSource.prepare("a{% generation %}{{ x }}{% endgeneration %}b"));
        assertEquals("a{{ x }}b", JinjaSource.prepare("a \n{%- generation -%}\n {{ x }}{% endgeneration %}b"));
        ChatTemplate t = ChatTemplate.of("t", "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}"
                + "{% endfor %}", Map.of());
        assertEquals("hi", t.render(List.of(ChatMessage.user("hi")), false));
    }

    @Test
    void dropsOneTrailingNewlineAsJinja2Does() {
        assertEquals("x\n", JinjaSource.prepare("x\n\n"));
        assertEquals("x", JinjaSource.prepare("x"));
    }

    @Test
    void renderedTheWayJinja2EvaluatesIt() {
        ChatTemplate t = ChatTemplate.of("test", "{% if not tools is defined %}none{% else %}{{ tools | length }}{% endif %}"
                + "|{% if not 'x' in messages[0] %}no-x{% endif %}|{% if not messages | length > 5 %}short{% endif %}", Map.of());
        assertEquals("2|no-x|short", t.render(List.of(ChatMessage.user("u")), List.of(Map.of(), Map.of()), false, Map.of()));
        assertEquals("none|no-x|short", t.render(List.of(ChatMessage.user("u")), false));
    }
}
