package io.spikert.server;

import io.spikert.model.chat.ToolCall;
import io.spikert.model.chat.ToolCallParser;

import java.util.List;

/**
 * A streamed chat reply when tools were offered: passes text on as content while it cannot be (the start of) a
 * {@code <tool_call>} block and holds the rest back; at the end the reply is either tool calls or the held text.
 */
final class ToolCallStream {
    /** The end of the reply: its tool calls (none when it called no tool) and any content still held back. */
    record End(List<ToolCall> toolCalls, String heldContent) {
    }

    private final StringBuilder all = new StringBuilder();
    private int sent;

    /** Adds a piece of the reply; returns the content that can be sent now (possibly empty). */
    String push(String piece) {
        all.append(piece);
        int safe = ToolCallParser.contentPrefixLength(all.toString());
        if (safe <= sent) {
            return "";
        }
        String out = all.substring(sent, safe);
        sent = safe;
        return out;
    }

    /** Ends the reply. */
    End finish() {
        ToolCallParser.Parsed parsed = ToolCallParser.parse(all.toString());
        if (!parsed.toolCalls().isEmpty()) {
            return new End(parsed.toolCalls(), "");
        }
        return new End(List.of(), all.substring(sent));
    }
}
