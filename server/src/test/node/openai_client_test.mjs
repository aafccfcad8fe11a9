// Drives a running `spikert serve` with the official OpenAI client library and checks what it gets back.
// Usage: node openai_client_test.mjs BASE_URL API_KEY   (BASE_URL like http://127.0.0.1:8080/v1)
// Prints one line per check and exits non-zero at the first failure (OpenAiClientLibraryTest runs it).
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const model = (await client.models.list()).data[0].id;
const check = (name) => console.log(`ok ${name}`);

const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say something.' }];

// chat, not streamed
const whole = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 0 });
assert.equal(whole.object, 'chat.completion');
assert.equal(whole.choices.length, 1);
assert.equal(whole.choices[0].message.role, 'assistant');
assert.ok(['stop', 'length'].includes(whole.choices[0].finish_reason));
assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens);
check('chat.completions.create');

// chat, streamed: the deltas add up to the same text, usage comes last
const stream = await client.chat.completions.create({
  model, messages, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true },
});
let text = '';
let usage = null;
let finish = null;
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    text += c.delta?.content ?? '';
    finish = c.finish_reason ?? finish;
  }
  if (chunk.usage) usage = chunk.usage;
}
assert.equal(text, whole.choices[0].message.content);
assert.equal(finish, whole.choices[0].finish_reason);
assert.deepEqual(usage.completion_tokens, whole.usage.completion_tokens);
check('chat.completions.create stream');

// the helper that accumulates a stream into a completion
const runner = client.chat.completions.stream({ model, messages, max_tokens: 8, temperature: 0 });
const final = await runner.finalChatCompletion();
assert.equal(final.choices[0].message.content, whole.choices[0].message.content);
check('chat.completions.stream finalChatCompletion');

// legacy completions
const comp = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
assert.equal(comp.object, 'text_completion');
assert.equal(typeof comp.choices[0].text, 'string');
check('completions.create');

// seeds reproduce a sampled answer
const seeded = () => client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 1, seed: 42 });
assert.equal((await seeded()).choices[0].message.content, (await seeded()).choices[0].message.content);
check('seed');

// a stop string cuts the text
const full = whole.choices[0].message.content;
if (full.length >= 3) {
  const stop = full.slice(1, 3);
  const cut = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 0, stop: [stop] });
  assert.equal(cut.choices[0].message.content, full.slice(0, full.indexOf(stop)));
  assert.equal(cut.choices[0].finish_reason, 'stop');
  check('stop');
}

// errors arrive as the library's typed errors
await assert.rejects(client.chat.completions.create({ model, messages, temperature: 5 }),
  (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'temperature');
check('400 BadRequestError naming the field');
const stranger = new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
await assert.rejects(stranger.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
check('401 AuthenticationError');
