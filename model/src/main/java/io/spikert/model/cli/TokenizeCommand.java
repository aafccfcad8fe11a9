package io.spikert.model.cli;

import io.spikert.model.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** {@code spikert tokenize}: the token ids of a text as a JSON array (which --ids accepts as it is). */
@Command(name = "tokenize", sortOptions = false, description = {
        "Prints the token ids of TEXT as a JSON array (special tokens such as <|im_start|> are recognised); the array"
                + " can be passed to --ids of the other commands as it is."})
final class TokenizeCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model folder with the tokenizer files.")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Override
    int execute() throws Exception {
        var dir = ModelInputs.modelDir(model);
        if (!Tokenizer.isPresent(dir)) {
            throw new UsageException(dir + " has no tokenizer files (vocab.json + merges.txt, or tokenizer.json)");
        }
        int[] ids = Tokenizer.load(dir).encode(text);
        out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
        return 0;
    }
}
