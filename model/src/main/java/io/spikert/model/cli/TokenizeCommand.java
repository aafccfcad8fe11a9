package io.spikert.model.cli;

import io.spikert.model.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code spikert tokenize}: the token ids of a text as a JSON array. */
final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String usage() {
        return """
                spikert tokenize --model DIR --text TEXT
                  Prints the token ids of TEXT as a JSON array (special tokens such as <|im_start|> are recognised).""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        var args = new Args(argv, 1, Set.of("model", "text"), Set.of());
        var dir = ModelInputs.modelDir(args);
        String text = args.required("text");
        if (!Tokenizer.isPresent(dir)) {
            throw new UsageException(dir + " has no tokenizer files (vocab.json + merges.txt, or tokenizer.json)");
        }
        int[] ids = Tokenizer.load(dir).encode(text);
        out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
        return 0;
    }
}
