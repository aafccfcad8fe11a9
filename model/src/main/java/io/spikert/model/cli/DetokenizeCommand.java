package io.spikert.model.cli;

import io.spikert.model.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code spikert detokenize}: the text of token ids, the inverse of {@code spikert tokenize}. */
@Command(name = "detokenize", sortOptions = false, description = {
        "Prints the text of token ids (comma-separated, or the JSON array spikert tokenize prints), special tokens"
                + " such as <|im_end|> as their text, followed by a line break. Without --ids the ids are read from"
                + " standard input (when it is not a terminal), so spikert tokenize ... | spikert detokenize ... gives the"
                + " text back."})
final class DetokenizeCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model folder with the tokenizer files.")
    Path model;

    @Option(names = "--ids", paramLabel = "1,2,3",
            description = "The token ids, comma-separated; the JSON array spikert tokenize prints is accepted; - reads standard input.")
    String ids;

    @Override
    int execute() throws Exception {
        var dir = ModelInputs.modelDir(model);
        if (!Tokenizer.isPresent(dir)) {
            throw new UsageException(dir + " has no tokenizer files (vocab.json + merges.txt, or tokenizer.json)");
        }
        String source = "--ids";
        String value = ids;
        if (value == null || value.equals("-")) {
            if (value == null && inIsTerminal) {
                throw new UsageException("give --ids 1,2,3, or pipe the ids into standard input");
            }
            source = "standard input";
            value = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int[] tokens = TokenIds.parse(source, value);
        var tokenizer = Tokenizer.load(dir);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] >= tokenizer.vocabSize()) {
                throw new UsageException(source + ": token id " + tokens[i] + " (number " + (i + 1)
                        + ") is outside the tokenizer's ids 0.." + (tokenizer.vocabSize() - 1) + " in " + dir);
            }
        }
        String text;
        try {
            text = tokenizer.decode(tokens);
        } catch (IllegalArgumentException e) {
            throw new UsageException(source + ": " + e.getMessage());
        }
        out.println(text);
        out.flush();
        return 0;
    }
}
