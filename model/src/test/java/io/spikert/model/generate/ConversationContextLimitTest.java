package io.spikert.model.generate;

import io.spikert.model.ContextLimitException;
import io.spikert.model.LoadOptions;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A chat with a Qwen2 model whose context fills: the reply that reaches the limit stops there, the next turn is
 * refused without changing the conversation, and after /reset the chat goes on.
 */
class ConversationContextLimitTest {

    @Test
    void aFullContextEndsTheReplyAndRefusesTheNextTurnWithoutChangingTheConversation(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("qwen2");
        SyntheticCheckpoint.writeQwen2(dir, new SyntheticCheckpoint.Dims(152064, 64, 2, 2, 1, 128, 4096), DType.BF16, 3,
                x -> { }, true);
        try (var backend = new CpuBackend(2);
             var model = SpikingBrainModel.load(dir, backend, LoadOptions.defaults().withContextLimit(40));
             var chat = new Conversation(model, Tokenizer.load(dir), ChatTemplate.load(dir), null)) {
            Sampler greedy = new Sampler(SamplingParams.GREEDY);
            var first = chat.say("Hello there", 1000, greedy, new StopStrings(java.util.List.of()), t -> { });
            assertEquals(Generator.StopReason.CONTEXT_LIMIT, first.stopReason());
            assertEquals(40, first.promptTokens() + first.generatedTokens(), "the reply fills the context exactly");
            int before = chat.messages().size();
            assertThrows(ContextLimitException.class,
                    () -> chat.say("And a second question, longer than the room that is left", 10, greedy,
                            new StopStrings(java.util.List.of()), t -> { }));
            assertEquals(before, chat.messages().size(), "the refused turn's message is not kept");
            chat.reset();
            var again = chat.say("Hi", 2, greedy, new StopStrings(java.util.List.of()), t -> { });
            assertEquals(2, again.generatedTokens());
        }
    }
}
