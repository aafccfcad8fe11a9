package io.spikert.model.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The options of a command that runs a model on an input: the folder, and the text or token ids it reads.
 * {@link PromptSource} turns {@code --prompt -} and {@code --prompt-file} into {@link #prompt} before the input is checked.
 */
final class InputOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "The model folder: config.json, the weights, and the tokenizer files when --prompt is used.")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "The input text (needs the folder's tokenizer); - reads it from standard input.")
    String prompt;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "Reads the input text from FILE (UTF-8; one final line break dropped); - is standard input.")
    String promptFile;

    @Option(names = "--ids", paramLabel = "1,2,3",
            description = "The input as token ids, comma-separated; the JSON array spikert tokenize prints is accepted.")
    String ids;

    @Option(names = "--chat", description = "Renders --prompt as one user message through the model's chat template"
            + " (chat_template in tokenizer_config.json, or chat_template.jinja); a folder with neither gets Qwen2.5's ChatML template.")
    boolean chat;
}
