package io.spikert.model.tokenizer;

import io.spikert.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Qwen2.5 byte-level BPE tokenizer (MODEL.md section 5): added tokens are cut out of the raw
 * text first, the rest is NFC-normalized, split by the Qwen2 regex, mapped to byte-level symbols and
 * merged by rank. No BOS is added. Thread-safe.
 */
public final class Tokenizer {
    // Words longer than this are rare (long runs of punctuation or whitespace) and not worth caching.
    private static final int MAX_CACHED_WORD_CHARS = 64;
    private static final int MAX_CACHE_ENTRIES = 1 << 16;

    private final BpeModel bpe;
    private final AddedToken[] addedById;
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final AddedTokenMatcher matcher;
    private final int vocabSize;
    private final byte[][] bytesById;       // filled lazily; see BYTES_SLOT
    // Release/acquire on the lazily filled slots so another thread never sees a half-written array.
    private static final VarHandle BYTES_SLOT = MethodHandles.arrayElementVarHandle(byte[][].class);
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    Tokenizer(BpeModel bpe, Collection<AddedToken> added) {
        this.bpe = bpe;
        int size = bpe.size();
        long limit = BpeModel.idLimit((long) bpe.entries() + added.size());
        for (AddedToken t : added) {
            if (t.content().isEmpty()) {
                throw new IllegalArgumentException("added token " + t.id() + " has empty content");
            }
            if (t.id() < 0) {
                throw new IllegalArgumentException("added token \"" + t.content() + "\" has negative id " + t.id());
            }
            if (t.id() >= limit) {
                throw new IllegalArgumentException("added token \"" + t.content() + "\" has id " + t.id() + ", not below "
                        + limit + ", the most the vocabulary and added tokens may use (twice their number plus "
                        + BpeModel.ID_SLACK + ")");
            }
            String vocabToken = bpe.token(t.id());
            if (vocabToken != null && !vocabToken.equals(t.content())) {
                throw new IllegalArgumentException("added token \"" + t.content() + "\" takes id " + t.id()
                        + ", which the vocabulary gives to \"" + vocabToken + "\"");
            }
            AddedToken previous = addedByContent.put(t.content(), t);
            if (previous != null && previous.id() != t.id()) {
                throw new IllegalArgumentException("added token \"" + t.content() + "\" has two ids, "
                        + previous.id() + " and " + t.id());
            }
            size = Math.max(size, t.id() + 1);
        }
        vocabSize = size;
        addedById = new AddedToken[size];
        for (AddedToken t : addedByContent.values()) {
            AddedToken previous = addedById[t.id()];
            if (previous != null) {
                throw new IllegalArgumentException("id " + t.id() + " is used by both added tokens \""
                        + previous.content() + "\" and \"" + t.content() + "\"");
            }
            addedById[t.id()] = t;
        }
        matcher = new AddedTokenMatcher(addedByContent.values());
        bytesById = new byte[size][];
    }

    /**
     * Loads from {@code tokenizer.json} when present, otherwise from {@code vocab.json} +
     * {@code merges.txt} + the added tokens of {@code tokenizer_config.json} and {@code added_tokens.json}.
     */
    public static Tokenizer load(Path modelDir) throws IOException {
        try {
            return TokenizerFiles.load(modelDir);
        } catch (RuntimeException e) {
            // Last resort: every known bad input is a CheckpointException naming its file; anything else is
            // still reported against the folder, with its cause, rather than escaping as a bare runtime error.
            throw new CheckpointException(modelDir + ": cannot read the tokenizer files: unexpected " + e, e);
        }
    }

    /** Whether {@link #load} finds tokenizer files in this folder. */
    public static boolean isPresent(Path modelDir) {
        return TokenizerFiles.isPresent(modelDir);
    }

    /** Token ids of the text, with added tokens such as {@code <|im_end|>} recognized verbatim. */
    public int[] encode(String text) {
        IntList out = new IntList();
        if (matcher.isEmpty()) {
            encodeOrdinaryInto(text, out);
            return out.toArray();
        }
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken t = matcher.matchAt(text, i);
            if (t == null) {
                i++;
                continue;
            }
            if (i > segmentStart) {
                encodeOrdinaryInto(text.substring(segmentStart, i), out);
            }
            out.add(t.id());
            i += t.content().length();
            segmentStart = i;
        }
        if (segmentStart < text.length()) {
            encodeOrdinaryInto(text.substring(segmentStart), out);
        }
        return out.toArray();
    }

    /** Token ids of the text with no added-token matching: {@code "<|im_end|>"} becomes ordinary pieces. */
    public int[] encodeOrdinary(String text) {
        IntList out = new IntList();
        encodeOrdinaryInto(text, out);
        return out.toArray();
    }

    private void encodeOrdinaryInto(String text, IntList out) {
        String normalized = Normalizer.normalize(text, Normalizer.Form.NFC);
        PreTokenizer.split(normalized, word -> out.addAll(encodeWord(word)));
    }

    private int[] encodeWord(String word) {
        if (word.length() > MAX_CACHED_WORD_CHARS) {
            return bpe.encodeWord(word.getBytes(StandardCharsets.UTF_8));
        }
        int[] cached = wordCache.get(word);
        if (cached == null) {
            cached = bpe.encodeWord(word.getBytes(StandardCharsets.UTF_8));
            if (wordCache.size() >= MAX_CACHE_ENTRIES) {
                wordCache.clear(); // crude bound; natural text refills the common words at once
            }
            wordCache.put(word, cached);
        }
        return cached;
    }

    /** The text of the ids: their bytes joined, then UTF-8 decoded with one U+FFFD per malformed subpart. */
    public String decode(int[] ids) {
        int total = 0;
        for (int id : ids) {
            total += bytesOf(id).length;
        }
        byte[] all = new byte[total];
        int pos = 0;
        for (int id : ids) {
            byte[] b = bytesOf(id);
            System.arraycopy(b, 0, all, pos, b.length);
            pos += b.length;
        }
        return Utf8.decodeLossy(all, 0, all.length);
    }

    /** The raw bytes one id stands for (an added token's UTF-8 content). */
    public byte[] decodeBytes(int id) {
        return bytesOf(id).clone();
    }

    /** Uncopied bytes of an id; callers must not modify them. */
    byte[] bytesOf(int id) {
        checkId(id);
        byte[] b = (byte[]) BYTES_SLOT.getAcquire(bytesById, id);
        if (b == null) {
            AddedToken added = addedById[id];
            if (added != null) {
                b = added.content().getBytes(StandardCharsets.UTF_8);
            } else {
                String token = bpe.token(id);
                if (token == null) {
                    throw unknownId(id);
                }
                b = ByteLevel.decode(token);
                if (b == null) {
                    // HF's ByteLevel decoder falls back to the token's own UTF-8 when it is not byte-level.
                    b = token.getBytes(StandardCharsets.UTF_8);
                }
            }
            BYTES_SLOT.setRelease(bytesById, id, b); // a racing thread computes the same bytes
        }
        return b;
    }

    /** Highest id + 1 (151665 for Qwen2.5; the model's embedding has more rows than this). */
    public int vocabSize() {
        return vocabSize;
    }

    /** The id of an added token's content or of a byte-level vocabulary string such as {@code "Ġthe"}. */
    public OptionalInt tokenId(String token) {
        AddedToken added = addedByContent.get(token);
        if (added != null) {
            return OptionalInt.of(added.id());
        }
        Integer id = bpe.id(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The vocabulary string of an id (byte-level form, e.g. {@code "Ġthe"}), or an added token's content. */
    public String token(int id) {
        checkId(id);
        AddedToken added = addedById[id];
        if (added != null) {
            return added.content();
        }
        String token = bpe.token(id);
        if (token == null) {
            throw unknownId(id);
        }
        return token;
    }

    /** Whether the id is an added token flagged special (such as {@code <|im_end|>}, but not {@code <tool_call>}). */
    public boolean isSpecial(int id) {
        checkId(id);
        AddedToken added = addedById[id];
        return added != null && added.special();
    }

    /** The added tokens in id order. */
    List<AddedToken> addedTokens() {
        List<AddedToken> list = new ArrayList<>();
        for (AddedToken t : addedById) {
            if (t != null) {
                list.add(t);
            }
        }
        return list;
    }

    /** A decoder for generated ids that never emits half a character. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocabSize) {
            throw unknownId(id);
        }
    }

    private IllegalArgumentException unknownId(int id) {
        return new IllegalArgumentException("unknown token id " + id + " (tokenizer ids are 0.." + (vocabSize - 1)
                + " and not every id in that range need exist)");
    }
}
