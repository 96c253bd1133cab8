// Deterministic benchmark fixtures built from spec/openrouter.openapi.json. The same bytes feed the Rust
// benchmarks and the TypeScript SDK benchmark (tools/ts-bench), so their figures compare.
//
//   node tools/bench-fixtures/generate.mjs [OUT_DIR]     (default: target/bench-fixtures)
//
// Writes (compact JSON, as the API sends it):
//   models.json            GET /models 200: 420 models built from the getModels example, varied
//   chat_completion.json   POST /chat/completions 200: the sendChatCompletionRequest example
//   responses_result.json  POST /responses 200: the createResponses example
//   generation.json        GET /generation 200: the getGeneration example, plus the required
//                          data.workspace_id (null) it leaves out (for loopback servers)
//   chat_stream.sse        a chat completion stream: 10,000 `chat.completion.chunk` data events
//                          (small deltas), `: OPENROUTER PROCESSING` keep-alive comments every
//                          50 events (and 3 before the first), then `data: [DONE]`; ~2.9 MB
//   responses_stream.sse   a Responses API stream: 5,000 data events — `response.created`, a
//                          reasoning item (reasoning_text deltas), a function call (arguments
//                          deltas), a message (output_text deltas), each item's added/done
//                          events, and `response.completed` with the whole response — with
//                          keep-alive comments every 50 events, then `data: [DONE]`. Objects
//                          are written with `type` first, as the API writes them.
//   manifest.json          bytes, sha256 and counts of each file
// Same spec, same bytes: no clock, no Math.random (a seeded PRNG).

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OUT = resolve(process.argv[2] ?? process.env.BENCH_FIXTURES_DIR ?? join(ROOT, "target/bench-fixtures"));
const SPEC = join(ROOT, "spec/openrouter.openapi.json");

const MODEL_COUNT = 420;
const STREAM_EVENTS = 10_000;
const KEEPALIVE_EVERY = 50;

// mulberry32: a small seeded PRNG, so the fixtures are the same on every run.
function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const rand = prng(0x0be2_2026);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const chance = (p) => rand() < p;
function sample(xs, n) {
    const pool = [...xs];
    const out = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
    return out;
}

const spec = JSON.parse(readFileSync(SPEC, "utf8"));
const schemas = spec.components.schemas;
function operation(id) {
    for (const item of Object.values(spec.paths)) {
        for (const op of Object.values(item)) {
            if (op && typeof op === "object" && op.operationId === id) return op;
        }
    }
    throw new Error(`operation ${id} not in the spec`);
}
const example200 = (id) => {
    const ex = operation(id).responses["200"].content["application/json"].example;
    if (ex === undefined) throw new Error(`${id}: no application/json 200 example`);
    return ex;
};
const enumOf = (name) => schemas[name].enum.filter((v) => v !== null);

// --- models list ------------------------------------------------------------------------------

const PROVIDERS = [
    ["openai", "OpenAI", ["gpt-4o", "gpt-4.1", "gpt-5", "o3", "o4", "gpt-oss"], "GPT"],
    ["anthropic", "Anthropic", ["claude-3.5-sonnet", "claude-3.7-sonnet", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4.5"], "Claude"],
    ["google", "Google", ["gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.5-flash", "gemma-3"], "Gemini"],
    ["meta-llama", "Meta", ["llama-3.1", "llama-3.3", "llama-4-scout", "llama-4-maverick", "llama-guard-4"], "Llama3"],
    ["mistralai", "Mistral", ["mistral-large", "mistral-medium-3", "mistral-small-3.2", "codestral", "devstral", "ministral", "pixtral"], "Mistral"],
    ["qwen", "Qwen", ["qwen3", "qwen3-coder", "qwen2.5-vl", "qwq", "qwen-plus", "qwen-max"], "Qwen3"],
    ["deepseek", "DeepSeek", ["deepseek-chat-v3.1", "deepseek-r1", "deepseek-v3.2", "deepseek-prover"], "DeepSeek"],
    ["x-ai", "xAI", ["grok-3", "grok-4", "grok-code-fast"], "Grok"],
    ["cohere", "Cohere", ["command-r", "command-r-plus", "command-a"], "Cohere"],
    ["amazon", "Amazon", ["nova-lite", "nova-pro", "nova-micro", "nova-premier"], "Nova"],
    ["nvidia", "NVIDIA", ["llama-3.1-nemotron", "nemotron-nano", "nemotron-super"], "Llama3"],
    ["microsoft", "Microsoft", ["phi-4", "phi-4-reasoning", "wizardlm-2", "mai-ds-r1"], "Other"],
    ["nousresearch", "Nous", ["hermes-3-llama-3.1", "hermes-4", "deephermes-3"], "Llama3"],
    ["z-ai", "Z.AI", ["glm-4.5", "glm-4.6", "glm-4.5-air"], "Other"],
    ["moonshotai", "MoonshotAI", ["kimi-k2", "kimi-dev", "kimi-vl"], "Other"],
    ["minimax", "MiniMax", ["minimax-m1", "minimax-m2", "minimax-01"], "Other"],
    ["thudm", "THUDM", ["glm-z1", "glm-4.1v"], "Other"],
    ["baidu", "Baidu", ["ernie-4.5", "ernie-4.5-vl"], "Other"],
    ["perplexity", "Perplexity", ["sonar", "sonar-pro", "sonar-reasoning", "sonar-deep-research"], "Other"],
    ["ai21", "AI21", ["jamba-large-1.7", "jamba-mini-1.7"], "Other"],
    ["inception", "Inception", ["mercury", "mercury-coder"], "Other"],
    ["liquid", "Liquid", ["lfm-3b", "lfm-7b", "lfm-40b"], "Other"],
    ["arcee-ai", "Arcee AI", ["virtuoso-large", "coder-large", "maestro-reasoning", "spotlight"], "Other"],
    ["sao10k", "Sao10K", ["l3-stheno-8b", "l3.3-euryale-70b", "l3-lunaris-8b"], "Llama3"],
];
const SIZES = ["", "", "", "-1b", "-3b", "-7b", "-8b", "-14b", "-24b", "-32b", "-70b", "-72b", "-123b", "-235b-a22b", "-405b", "-480b-a35b"];
const VARIANTS = ["", "", "-instruct", "-chat", "-preview", "-thinking", "-mini", "-nano", "-turbo", "-vision", "-exp", "-0905", "-2507", "-latest"];
const TAGS = ["", "", "", "", "", ":free", ":beta", ":extended", ":thinking", ":online"];
const SENTENCES = [
    "It is optimized for multi-turn conversation, tool use and structured outputs across a wide range of tasks.",
    "The model was trained on a mixture of publicly available web data, licensed data and synthetic data generated by earlier models.",
    "Compared with the previous release it improves instruction following, long-context retrieval and multilingual performance.",
    "It supports a context window large enough for entire code repositories, long legal documents or hours of meeting transcripts.",
    "Reasoning can be enabled per request; when it is, the model thinks step by step before it answers and returns its reasoning tokens.",
    "It uses a mixture-of-experts architecture in which only a fraction of the parameters is active for each token, which keeps latency low.",
    "Benchmarks show strong results on coding (SWE-bench, LiveCodeBench), mathematics (AIME, MATH-500) and graduate-level science questions.",
    "The weights are released under a permissive license that allows commercial use, fine-tuning and redistribution.",
    "This variant is tuned for agentic workflows: it plans, calls tools in parallel and recovers from errors without losing track of the goal.",
    "Image inputs are supported, including charts, screenshots, scanned documents and photographs of handwritten notes.",
    "Usage of this model is subject to the provider's acceptable use policy; requests may be moderated.",
    "It is a distilled version of a larger model and trades some accuracy for much lower cost and higher throughput.",
    "The model follows system prompts closely and is well suited to role-play, creative writing and customer-facing assistants.",
    "Outputs are deterministic for a fixed seed on the same provider, which makes the model useful for evaluation pipelines.",
    "Note: this is an experimental release; its behaviour and pricing may change, and it may be removed without notice.",
    "It was further trained with reinforcement learning from human and AI feedback to reduce refusals while keeping harmful outputs rare.",
];
const CONTEXTS = [4096, 8192, 16384, 32768, 65536, 128000, 131072, 163840, 200000, 262144, 400000, 1000000, 1048576];
const PRICES = ["0", "0.00000002", "0.00000005", "0.0000001", "0.00000015", "0.0000002", "0.0000003", "0.0000004", "0.0000006", "0.0000008", "0.000001", "0.0000015", "0.000002", "0.0000025", "0.000003", "0.000005", "0.00001", "0.000015", "0.00006", "0.000075"];
const MONTHS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"];

function buildModels() {
    const example = example200("getModels");
    const base = example.data[0];
    const inputModalities = enumOf("InputModality");
    const outputModalities = enumOf("OutputModality");
    const instructTypes = enumOf("InstructType");
    const parameters = enumOf("Parameter");
    const seen = new Set();
    const data = [];
    for (let i = 0; data.length < MODEL_COUNT; i++) {
        const [slug, display, families, tokenizer] = pick(PROVIDERS);
        let id = `${slug}/${pick(families)}${pick(SIZES)}${pick(VARIANTS)}`;
        while (seen.has(id)) id = `${id.replace(/-v\d+$/, "")}-v${int(2, 9)}`;
        seen.add(id);
        const tag = pick(TAGS);
        const fullId = id + tag;
        const name = id
            .split("/")[1]
            .split("-")
            .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
            .join(" ");
        const inputs = chance(0.55) ? ["text"] : ["text", ...sample(inputModalities.slice(1), int(1, 3))];
        const outputs = chance(0.92) ? ["text"] : ["text", pick(["image", "audio"])];
        const context = pick(CONTEXTS);
        const prompt = pick(PRICES);
        const completion = tag === ":free" ? "0" : PRICES[Math.min(PRICES.indexOf(prompt) + int(0, 4), PRICES.length - 1)];
        const pricing = { completion, prompt: tag === ":free" ? "0" : prompt };
        if (chance(0.3)) pricing.image = pick(PRICES);
        if (chance(0.45)) pricing.input_cache_read = pick(PRICES);
        if (chance(0.25)) pricing.input_cache_write = pick(PRICES);
        if (chance(0.2)) pricing.internal_reasoning = pick(PRICES);
        pricing.request = "0";
        if (chance(0.15)) pricing.web_search = "0.005";
        const model = {
            architecture: {
                input_modalities: inputs,
                instruct_type: chance(0.6) ? null : pick(instructTypes),
                modality: `${inputs.join("+")}->${outputs.join("+")}`,
                output_modalities: outputs,
                tokenizer: chance(0.8) ? tokenizer : pick(enumOf("ModelGroup")),
            },
            canonical_slug: `${id}-2025${pick(MONTHS)}${String(int(1, 28)).padStart(2, "0")}`,
            context_length: context,
            created: base.created + i * 86_400 + int(0, 86_399),
            default_parameters: chance(0.5)
                ? null
                : {
                      frequency_penalty: null,
                      presence_penalty: null,
                      repetition_penalty: null,
                      temperature: pick([0.6, 0.7, 1, null]),
                      top_k: null,
                      top_p: pick([0.95, 1, null]),
                  },
            description: sample(SENTENCES, int(2, 7)).join(" "),
            expiration_date: chance(0.05) ? `2026-${pick(MONTHS)}-01` : null,
            hugging_face_id: chance(0.4) ? `${display.replace(/[^A-Za-z0-9]/g, "")}/${name.replace(/ /g, "-")}` : "",
            id: fullId,
            knowledge_cutoff: chance(0.5) ? null : `202${int(3, 5)}-${pick(MONTHS)}-01`,
            links: { details: `/api/v1/models/${fullId}/endpoints` },
            name: `${display}: ${name}${tag ? ` (${tag.slice(1)})` : ""}`,
            per_request_limits: null,
            pricing,
            supported_parameters: parameters.filter((p) => sample(parameters, int(6, 22)).includes(p)),
            supported_voices: null,
            top_provider: {
                context_length: context,
                is_moderated: chance(0.2),
                max_completion_tokens: chance(0.3) ? null : pick([4096, 8192, 16384, 32768, 65536, 128000]),
            },
        };
        // Keep the example's own key order where it has the key.
        const ordered = {};
        for (const k of Object.keys(base)) if (k in model) ordered[k] = model[k];
        for (const k of Object.keys(model)) if (!(k in ordered)) ordered[k] = model[k];
        data.push(ordered);
    }
    // total_count and links are required by ModelsListResponse (the spec's example leaves them out).
    return { data, links: { next: null }, total_count: data.length };
}

// --- chat stream --------------------------------------------------------------------------------

const WORDS = (
    "the of and to in is that it for as with was on be by this are from at or an which have not " +
    "but can all their one has more they will would about there been when so if its into than " +
    "model request token stream response provider latency function value result parser decode " +
    "server client memory buffer channel error retry timeout header payload schema example"
).split(" ");
const ODD_TOKENS = ["\n", "\n\n", ".", ",", ":", " \"", "\"", " `code`", " (", ")", " —", " café", " naïve", " 日本語", " 🙂", "\\", "\t", " 42", " 3.14"];

function buildStream() {
    const created = 1_700_000_000;
    const id = "gen-1700000000-q7WbRk2xYtN4aFdE9sLp";
    const head = { id, provider: "OpenAI", model: "openai/gpt-4o", object: "chat.completion.chunk", created };
    const chunk = (choices, extra) => JSON.stringify({ ...head, choices, ...extra });
    const last = { system_fingerprint: "fp_e2f0a1b3c4" };
    const choice = (content, finish) => ({
        index: 0,
        delta: { role: "assistant", content },
        finish_reason: finish,
        native_finish_reason: finish,
        logprobs: null,
    });
    const keepalive = ": OPENROUTER PROCESSING\n\n";
    const parts = [keepalive, keepalive, keepalive];
    let comments = 3;
    let completionChars = 0;
    for (let n = 1; n <= STREAM_EVENTS; n++) {
        let json;
        if (n === STREAM_EVENTS) {
            json = chunk([], {
                usage: {
                    completion_tokens: STREAM_EVENTS - 2,
                    completion_tokens_details: { reasoning_tokens: 0 },
                    cost: 0.0999825,
                    is_byok: false,
                    prompt_tokens: 1234,
                    prompt_tokens_details: { cached_tokens: 0 },
                    total_tokens: 1234 + STREAM_EVENTS - 2,
                },
                ...last,
            });
        } else if (n === STREAM_EVENTS - 1) {
            json = chunk([choice("", "stop")], last);
        } else if (n === 1) {
            json = chunk([choice("", null)]);
        } else {
            const token = chance(0.06) ? pick(ODD_TOKENS) : ` ${pick(WORDS)}`;
            completionChars += token.length;
            json = chunk([choice(token, null)]);
        }
        parts.push(`data: ${json}\n\n`);
        if (n % KEEPALIVE_EVERY === 0 && n < STREAM_EVENTS) {
            parts.push(keepalive);
            comments++;
        }
    }
    parts.push("data: [DONE]\n\n");
    return { text: parts.join(""), events: STREAM_EVENTS, comments, completionChars };
}

// --- responses stream -------------------------------------------------------------------------

const RESPONSES_EVENTS = 5_000;

// `type` first, then the other keys in their order, at every level (the wire order of
// OpenAI-style payloads; the spec's examples list keys alphabetically).
function typeFirst(value) {
    if (Array.isArray(value)) return value.map(typeFirst);
    if (value === null || typeof value !== "object") return value;
    const out = {};
    if ("type" in value) out.type = value.type;
    for (const [k, v] of Object.entries(value)) if (k !== "type") out[k] = typeFirst(v);
    return out;
}

function buildResponsesStream() {
    const base = example200("createResponses");
    const id = "resp_1700000000_q7WbRk2xYtN4aFdE";
    const reasoningId = "rs_1700000000_a1", callId = "fc_1700000000_b2", messageId = "msg_1700000000_c3";
    // event budget: 14 fixed events, the rest deltas split 3:2:5 between reasoning, arguments, text
    const deltas = RESPONSES_EVENTS - 14;
    const reasoningDeltas = Math.floor((deltas * 3) / 10), argumentDeltas = Math.floor((deltas * 2) / 10);
    const textDeltas = deltas - reasoningDeltas - argumentDeltas;
    const word = () => (chance(0.06) ? pick(ODD_TOKENS) : ` ${pick(WORDS)}`);
    let reasoning = "", args = "", text = "";
    const reasoningParts = [], argParts = [], textParts = [];
    for (let i = 0; i < reasoningDeltas; i++) { const w = word(); reasoning += w; reasoningParts.push(w); }
    // the arguments: a JSON object written a few characters at a time
    const argsJson = JSON.stringify({ city: "Paris", units: "celsius", days: 3, notes: Array.from({ length: 200 }, () => pick(WORDS)).join(" ") });
    const step = Math.ceil(argsJson.length / argumentDeltas);
    for (let i = 0; i < argumentDeltas; i++) { const piece = argsJson.slice(i * step, (i + 1) * step); args += piece; argParts.push(piece); }
    for (let i = 0; i < textDeltas; i++) { const w = word(); text += w; textParts.push(w); }

    const reasoningItem = (status, content) => ({ type: "reasoning", id: reasoningId, status, summary: [], content });
    const callItem = (status, argsText) => ({ type: "function_call", id: callId, call_id: "call_weather_1", name: "get_weather", arguments: argsText, status });
    const textPart = (t) => ({ type: "output_text", text: t, annotations: [], logprobs: [] });
    const messageItem = (status, content) => ({ type: "message", id: messageId, role: "assistant", status, content });
    const response = (status, output, usage) => typeFirst({ ...base, id, status, output, usage, completed_at: status === "completed" ? base.completed_at : null });

    let seq = 0;
    const events = [];
    const ev = (type, fields) => events.push(JSON.stringify(typeFirst({ type, sequence_number: seq++, ...fields })));
    ev("response.created", { response: response("in_progress", [], null) });
    ev("response.in_progress", { response: response("in_progress", [], null) });
    ev("response.output_item.added", { output_index: 0, item: reasoningItem("in_progress", []) });
    for (const d of reasoningParts) ev("response.reasoning_text.delta", { item_id: reasoningId, output_index: 0, content_index: 0, delta: d });
    ev("response.reasoning_text.done", { item_id: reasoningId, output_index: 0, content_index: 0, text: reasoning });
    const reasoningDone = reasoningItem("completed", [{ type: "reasoning_text", text: reasoning }]);
    ev("response.output_item.done", { output_index: 0, item: reasoningDone });
    ev("response.output_item.added", { output_index: 1, item: callItem("in_progress", "") });
    for (const d of argParts) ev("response.function_call_arguments.delta", { item_id: callId, output_index: 1, delta: d });
    ev("response.function_call_arguments.done", { item_id: callId, output_index: 1, name: "get_weather", arguments: args });
    ev("response.output_item.done", { output_index: 1, item: callItem("completed", args) });
    ev("response.output_item.added", { output_index: 2, item: messageItem("in_progress", []) });
    ev("response.content_part.added", { item_id: messageId, output_index: 2, content_index: 0, part: textPart("") });
    for (const d of textParts) ev("response.output_text.delta", { item_id: messageId, output_index: 2, content_index: 0, delta: d, logprobs: [] });
    ev("response.output_text.done", { item_id: messageId, output_index: 2, content_index: 0, text, logprobs: [] });
    ev("response.content_part.done", { item_id: messageId, output_index: 2, content_index: 0, part: textPart(text) });
    ev("response.output_item.done", { output_index: 2, item: messageItem("completed", [textPart(text)]) });
    const usage = { input_tokens: 1234, input_tokens_details: { cached_tokens: 0 }, output_tokens: deltas, output_tokens_details: { reasoning_tokens: reasoningDeltas }, total_tokens: 1234 + deltas, cost: 0.0123 };
    ev("response.completed", { response: response("completed", [reasoningDone, callItem("completed", args), messageItem("completed", [textPart(text)])], usage) });
    if (events.length !== RESPONSES_EVENTS) throw new Error(`responses stream: ${events.length} events, expected ${RESPONSES_EVENTS}`);

    const keepalive = ": OPENROUTER PROCESSING\n\n";
    const parts = [keepalive];
    let comments = 1;
    events.forEach((json, i) => {
        parts.push(`data: ${json}\n\n`);
        if ((i + 1) % KEEPALIVE_EVERY === 0 && i + 1 < events.length) { parts.push(keepalive); comments++; }
    });
    parts.push("data: [DONE]\n\n");
    return { text: parts.join(""), events: events.length, comments, textChars: text.length };
}

// --- write ------------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
const manifest = { generator: "tools/bench-fixtures/generate.mjs", spec: "spec/openrouter.openapi.json", files: {} };
function write(name, text, extra = {}) {
    const bytes = Buffer.from(text, "utf8");
    writeFileSync(join(OUT, name), bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    manifest.files[name] = { bytes: bytes.length, sha256, ...extra };
    console.log(`bench-fixtures: ${name} ${bytes.length} bytes${Object.entries(extra).map(([k, v]) => `, ${k} ${v}`).join("")}`);
}

const models = buildModels();
write("models.json", JSON.stringify(models), { models: models.data.length });
write("chat_completion.json", JSON.stringify(example200("sendChatCompletionRequest")));
// The example omits the required (nullable) data.workspace_id, which the TypeScript SDK rejects.
const generation = example200("getGeneration");
write("generation.json", JSON.stringify({ data: { ...generation.data, workspace_id: generation.data.workspace_id ?? null } }));
write("responses_result.json", JSON.stringify(example200("createResponses")));
const stream = buildStream();
write("chat_stream.sse", stream.text, { data_events: stream.events, keepalive_comments: stream.comments, done: 1 });
const responsesStream = buildResponsesStream();
write("responses_stream.sse", responsesStream.text, { data_events: responsesStream.events, keepalive_comments: responsesStream.comments, done: 1 });
writeFileSync(join(OUT, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`bench-fixtures: wrote ${OUT}`);
