package io.spikert.model.cli;

import io.spikert.model.ModelConfig;
import io.spikert.model.chat.ChatMessage;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model folder and the input tokens of a command, checked before the weights load, so that a typo costs a
 * second and not the minutes a 7B load takes: the folder and its config.json (read alone, cheaply), the tokenizer
 * when {@code --prompt} is used, and every token id against the config's vocabulary.
 */
final class ModelInputs {
    final Path dir;
    final ModelConfig config;
    /** The folder's tokenizer, or null when it has none. */
    final Tokenizer tokenizer;
    /** The input tokens ({@code --ids}, or the encoded {@code --prompt}), each in [0, vocab). */
    final int[] ids;

    private ModelInputs(Path dir, ModelConfig config, Tokenizer tokenizer, int[] ids) {
        this.dir = dir;
        this.config = config;
        this.tokenizer = tokenizer;
        this.ids = ids;
    }

    /** {@code --model}: an existing folder, or a usage error that says what the path is instead. */
    static Path modelDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--model " + dir + (Files.exists(dir) ? " is not a folder" : " does not exist")
                    + " (give the folder holding config.json and the weights)");
        }
        return dir;
    }

    /** Checks the model folder and its config, with no input (a server's: its prompts come later), and loads its tokenizer if it has one. */
    static ModelInputs folder(Path model) throws IOException {
        Path dir = modelDir(model);
        ModelConfig config = ModelConfig.load(dir);
        return new ModelInputs(dir, config, Tokenizer.isPresent(dir) ? Tokenizer.load(dir) : null, new int[0]);
    }

    /**
     * Checks the model folder, its config, and the input of exactly one of {@code --prompt TEXT} (with
     * {@code --chat}) or {@code --ids 1,2,3}.
     */
    static ModelInputs check(InputOptions o) throws IOException {
        if ((o.ids != null) == (o.prompt != null)) {
            throw new UsageException("give exactly one of --prompt TEXT or --ids 1,2,3");
        }
        if (o.ids != null && o.chat) {
            throw new UsageException("--chat applies to --prompt, not to --ids");
        }
        Path dir = modelDir(o.model);
        ModelConfig config = ModelConfig.load(dir);
        int vocab = config.vocabSize();
        if (o.prompt != null && !Tokenizer.isPresent(dir)) {
            throw new UsageException(dir + " has no tokenizer files (vocab.json + merges.txt, or tokenizer.json); pass token ids with --ids");
        }
        Tokenizer tokenizer = Tokenizer.isPresent(dir) ? Tokenizer.load(dir) : null;
        int[] ids;
        if (o.ids != null) {
            ids = TokenIds.parse("--ids", o.ids);
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] >= vocab) {
                    throw new UsageException("--ids: token id " + ids[i] + " (number " + (i + 1) + ") is outside the vocabulary of "
                            + vocab + " in " + dir.resolve("config.json") + " (ids run from 0 to " + (vocab - 1) + ")");
                }
            }
        } else {
            String text = o.prompt;
            if (o.chat) {
                text = ChatTemplate.load(dir).render(List.of(ChatMessage.user(text)), true);
            }
            ids = tokenizer.encode(text);
            if (ids.length == 0) {
                throw new UsageException("--prompt is empty");
            }
            for (int id : ids) {
                if (id >= vocab) {
                    throw new UsageException("--prompt: the tokenizer gave id " + id + ", outside the model's vocabulary of "
                            + vocab + "; the tokenizer files in " + dir + " do not belong to this model");
                }
            }
        }
        return new ModelInputs(dir, config, tokenizer, ids);
    }
}
