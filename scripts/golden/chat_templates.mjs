// Renders the chat-template golden strings with Hugging Face's own Jinja implementation (@huggingface/jinja,
// the version pinned in package.json), for ChatTemplateGoldenTest to compare SpikeRT's renderer against.
//
// Reads  model/src/test/resources/chat-templates/conversations.json (the cases, the templates' files)
// Writes model/src/test/resources/chat-templates/golden.json
//
// Run from the repository root:  (cd scripts/golden && npm ci && node chat_templates.mjs)
// The golden file is committed, so the Java tests need no Node.
import { Template } from "@huggingface/jinja";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const casesFile = "model/src/test/resources/chat-templates/conversations.json";
const goldenFile = "model/src/test/resources/chat-templates/golden.json";
const jinjaVersion = JSON.parse(
  readFileSync(join(root, "scripts/golden/node_modules/@huggingface/jinja/package.json"), "utf8")).version;

const input = JSON.parse(readFileSync(join(root, casesFile), "utf8"));

// As transformers' apply_chat_template: the special tokens of tokenizer_config.json (a string, or an added-token
// object's "content"); @huggingface/jinja itself provides raise_exception.
function tokenText(v) {
  if (v === undefined || v === null) return null;
  return typeof v === "string" ? v : v.content;
}

const results = [];
for (const [templateName, t] of Object.entries(input.templates)) {
  const config = JSON.parse(readFileSync(join(root, t.file), "utf8"));
  const template = new Template(config.chat_template);
  for (const c of input.cases) {
    for (const addGenerationPrompt of [true, false]) {
      // transformers passes tools (None without), documents (None) and the extra variables (keyword arguments)
      const context = {
        ...input.variables,
        messages: c.messages,
        tools: c.tools ? input.tools[c.tools] : null,
        documents: null,
        add_generation_prompt: addGenerationPrompt,
      };
      for (const k of ["bos_token", "eos_token", "unk_token", "pad_token"]) {
        const v = tokenText(config[k]);
        if (v !== null) context[k] = v;
      }
      const r = { template: templateName, case: c.name, add_generation_prompt: addGenerationPrompt };
      try {
        r.expected = template.render(context);
      } catch (e) {
        r.error = String(e.message);
      }
      results.push(r);
    }
  }
}

const golden = {
  comment: `Rendered by scripts/golden/chat_templates.mjs with @huggingface/jinja ${jinjaVersion} from ${casesFile}; `
    + "do not edit by hand, regenerate (scripts/golden/README.md).",
  generator: `@huggingface/jinja ${jinjaVersion}`,
  results,
};
writeFileSync(join(root, goldenFile), JSON.stringify(golden, null, 2) + "\n");
console.log(`wrote ${goldenFile}: ${results.length} renderings (${results.filter((r) => r.error).length} template errors)`);
