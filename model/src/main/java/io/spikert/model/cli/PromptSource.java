package io.spikert.model.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the prompt text comes from: {@code --prompt TEXT}, {@code --prompt -} or {@code --prompt-file FILE|-}
 * (standard input for {@code -}), or, for a command that allows it, standard input when none of those nor
 * {@code --ids} is given and standard input is not a terminal (a pipe or a file). Text read from a file or standard
 * input must be UTF-8; one final line break ({@code \n} or {@code \r\n}) is dropped, as an editor or {@code echo} adds it.
 */
final class PromptSource {
    private PromptSource() {}

    /**
     * Reads the prompt into {@code o.prompt} where it comes from a file or standard input, so that {@link ModelInputs}
     * sees {@code --prompt} or {@code --ids} only.
     *
     * @param stdinWhenAbsent read standard input when no input option is given (generate)
     */
    static void resolve(InputOptions o, InputStream in, boolean inIsTerminal, boolean stdinWhenAbsent) throws IOException {
        int given = (o.prompt != null ? 1 : 0) + (o.promptFile != null ? 1 : 0) + (o.ids != null ? 1 : 0);
        if (given > 1) {
            throw new UsageException("give one of --prompt TEXT, --prompt-file FILE or --ids 1,2,3, not several");
        }
        if (given == 0) {
            if (!stdinWhenAbsent) {
                return;
            }
            if (inIsTerminal) {
                throw new UsageException("give --prompt TEXT, --prompt-file FILE or --ids 1,2,3, or pipe the prompt into standard input");
            }
            o.prompt = nonEmpty("standard input", text("standard input", in.readAllBytes()));
        } else if ("-".equals(o.prompt) || "-".equals(o.promptFile)) {
            o.prompt = nonEmpty("standard input", text("standard input", in.readAllBytes()));
        } else if (o.promptFile != null) {
            String source = "--prompt-file " + o.promptFile;
            o.prompt = nonEmpty(source, text(source, read(Path.of(o.promptFile))));
        }
        o.promptFile = null;
    }

    private static String nonEmpty(String source, String text) {
        if (text.isEmpty()) {
            throw new UsageException("the prompt read from " + source + " is empty (give --prompt TEXT, --prompt-file FILE or --ids 1,2,3)");
        }
        return text;
    }

    private static byte[] read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new UsageException("--prompt-file " + file + " is a folder, not a text file");
        }
        if (!Files.exists(file)) {
            throw new UsageException("--prompt-file " + file + " does not exist");
        }
        return Files.readAllBytes(file);
    }

    /** Strict UTF-8, one final line break dropped. */
    static String text(String source, byte[] bytes) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException(source + " is not UTF-8 text");
        }
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
