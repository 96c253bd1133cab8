// The official TypeScript SDK (@openrouter/sdk, pinned in package-lock.json) on the benchmark
// fixtures of tools/bench-fixtures, so Rust/TypeScript ratios are measured on the same bytes.
//
//   node tools/ts-bench/bench.mjs [--fixtures DIR] [--runs N] [--serve | --server URL] [--requests N]
//
// Figures (one line each, MB = 10^6 bytes, best of --runs runs after a warm-up run):
//   decode  <fixture> typed   bytes -> TextDecoder -> JSON.parse -> the SDK's 200 response schema,
//                             exactly what its operation function does with a JSON body
//   decode  <fixture> json    bytes -> TextDecoder -> JSON.parse (the parse alone)
//   sse     framing           the SDK's EventStream over a ReadableStream fed 16 KB chunks,
//                             yielding each event's data string (no JSON)
//   sse     typed             the same with the SDK's own per-event decode
//                             (ChatStreamingResponse$inboundSchema: JSON.parse + zod), as chat.send
//                             does with stream: true; the same for the Responses stream fixture
//                             (ResponsesStreamingResponse$inboundSchema), as responses.send does
// With --serve (starts tools/ts-bench/loopback-server.mjs in a child process) or --server URL (any
// loopback server answering GET /generation, e.g. Prism from scripts/spec-mock.sh): the SDK's
// generations.getGeneration over keep-alive, sequential and 64 concurrent: requests/s and the
// client process's CPU µs per request.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import { spawn } from "node:child_process";
import * as models from "@openrouter/sdk/models";
import * as operations from "@openrouter/sdk/models/operations";
import { EventStream } from "@openrouter/sdk/lib/event-streams.js";
import { OpenRouter } from "@openrouter/sdk";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
};
const FIXTURES = resolve(opt("--fixtures", process.env.BENCH_FIXTURES_DIR ?? join(ROOT, "target/bench-fixtures")));
const RUNS = Number(opt("--runs", 7));
const SERVER = opt("--server", undefined);
const SERVE = args.includes("--serve");
const REQUESTS = Number(opt("--requests", 2000));
const CHUNK = 16 * 1024;
const SDK_VERSION = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "node_modules/@openrouter/sdk/package.json"), "utf8")).version;

const now = () => performance.now();
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1e3)).toFixed(1);
const line = (s) => console.log(`ts-bench: ${s}`);

function fixture(name) {
    try {
        return new Uint8Array(readFileSync(join(FIXTURES, name)));
    } catch (e) {
        console.error(`ts-bench: ${join(FIXTURES, name)} missing; run scripts/bench-fixtures.sh first`);
        process.exit(1);
    }
}

// Best time of RUNS runs of `iters` calls (a first, unmeasured run warms the JIT).
function best(fn, iters) {
    let bestMs = Infinity;
    for (let r = 0; r <= RUNS; r++) {
        const t0 = now();
        for (let i = 0; i < iters; i++) fn();
        const ms = (now() - t0) / iters;
        if (r > 0 && ms < bestMs) bestMs = ms;
    }
    return bestMs;
}
async function bestAsync(fn) {
    let bestMs = Infinity;
    for (let r = 0; r <= RUNS; r++) {
        const t0 = now();
        await fn();
        const ms = now() - t0;
        if (r > 0 && ms < bestMs) bestMs = ms;
    }
    return bestMs;
}
// Enough iterations for ~100 ms a run.
function itersFor(fn) {
    const t0 = now();
    let n = 0;
    while (now() - t0 < 20) {
        fn();
        n++;
    }
    return Math.max(1, Math.ceil(n * 5));
}

function decodeBench(name, label, schemaParse) {
    const bytes = fixture(name);
    const typed = () => schemaParse(JSON.parse(new TextDecoder().decode(bytes)));
    const json = () => JSON.parse(new TextDecoder().decode(bytes));
    typed(); // throws here if the SDK's schema rejects the fixture
    for (const [kind, fn] of [["typed", typed], ["json", json]]) {
        const iters = itersFor(fn);
        const ms = best(fn, iters);
        const how = kind === "typed" ? label : "JSON.parse";
        line(`decode ${name} ${kind}: ${mbps(bytes.length, ms)} MB/s (${bytes.length} bytes, ${(ms * 1e3).toFixed(1)} µs each; ${how})`);
    }
}

function chunkedStream(bytes) {
    let off = 0;
    return new ReadableStream({
        pull(controller) {
            if (off >= bytes.length) return controller.close();
            controller.enqueue(bytes.subarray(off, off + CHUNK));
            off += CHUNK;
        },
    });
}

async function sseBench(name, schema, schemaName) {
    const bytes = fixture(name);
    const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8"));
    const expected = manifest.files[name].data_events;
    const framing = (rawEvent) => (rawEvent.data === "[DONE]" ? { done: true, value: undefined } : { done: false, value: rawEvent.data });
    // The per-event decode of the SDK's stream (chat.send, responses.send: `<X>$inboundSchema`).
    const typed = (rawEvent) => (rawEvent.data === "[DONE]" ? { done: true, value: undefined } : { done: false, value: schema.parse(rawEvent)?.data });
    for (const [kind, parse, how] of [
        ["framing", framing, "EventStream, data strings"],
        ["typed", typed, `EventStream + ${schemaName} per event`],
    ]) {
        let events = 0;
        const run = async () => {
            events = 0;
            for await (const ev of new EventStream(chunkedStream(bytes), parse)) {
                if (ev !== undefined) events++;
            }
        };
        const ms = await bestAsync(run);
        if (events !== expected) throw new Error(`sse ${kind}: ${events} events, expected ${expected}`);
        const evps = (events / (ms / 1e3) / 1e3).toFixed(1);
        line(`sse ${name} ${kind}: ${mbps(bytes.length, ms)} MB/s, ${evps}k events/s (${bytes.length} bytes, ${events} events, 16 KB chunks; ${how})`);
    }
}

async function loopbackBench(url) {
    const sdk = new OpenRouter({ apiKey: "bench-key", serverURL: url });
    const call = () => sdk.generations.getGeneration({ id: "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG" });
    const first = await call();
    if (!first?.data?.id) throw new Error(`getGeneration: unexpected answer ${JSON.stringify(first).slice(0, 200)}`);
    for (let i = 0; i < 200; i++) await call(); // warm-up
    for (const concurrency of [1, 64]) {
        let bestRate = 0;
        let bestCpu = Infinity;
        for (let r = 0; r < Math.min(RUNS, 3); r++) {
            const cpu0 = process.cpuUsage();
            const t0 = now();
            let next = 0;
            const worker = async () => {
                while (next < REQUESTS) {
                    next++;
                    await call();
                }
            };
            await Promise.all(Array.from({ length: concurrency }, worker));
            const ms = now() - t0;
            const cpu = process.cpuUsage(cpu0);
            bestRate = Math.max(bestRate, REQUESTS / (ms / 1e3));
            bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / REQUESTS);
        }
        line(`loopback getGeneration concurrency ${concurrency}: ${bestRate.toFixed(0)} req/s, ${bestCpu.toFixed(1)} µs client CPU/request (${REQUESTS} requests, keep-alive, ${url})`);
    }
}

line(`@openrouter/sdk ${SDK_VERSION}, node ${process.version}, ${cpus()[0]?.model ?? "?"}, fixtures ${FIXTURES}, best of ${RUNS}`);
decodeBench("models.json", "GetModelsResponse$inboundSchema", (raw) => operations.GetModelsResponse$inboundSchema.parse({ Result: raw }));
decodeBench("chat_completion.json", "SendChatCompletionRequestResponse$inboundSchema", (raw) =>
    operations.SendChatCompletionRequestResponse$inboundSchema.parse(raw),
);
decodeBench("responses_result.json", "CreateResponsesResponse$inboundSchema", (raw) => operations.CreateResponsesResponse$inboundSchema.parse(raw));
await sseBench("chat_stream.sse", models.ChatStreamingResponse$inboundSchema, "ChatStreamingResponse$inboundSchema");
await sseBench("responses_stream.sse", models.ResponsesStreamingResponse$inboundSchema, "ResponsesStreamingResponse$inboundSchema");
if (SERVER) await loopbackBench(SERVER.replace(/\/+$/, ""));
if (SERVE) {
    const here = dirname(fileURLToPath(import.meta.url));
    const child = spawn(process.execPath, [join(here, "loopback-server.mjs"), "--fixtures", FIXTURES], { stdio: ["ignore", "pipe", "inherit"] });
    try {
        const url = await new Promise((ok, fail) => {
            let out = "";
            child.stdout.on("data", (d) => {
                out += d;
                const m = out.match(/LOOPBACK_URL=(\S+)/);
                if (m) ok(m[1]);
            });
            child.on("exit", (code) => fail(new Error(`loopback server exited (${code})`)));
        });
        await loopbackBench(url);
    } finally {
        child.kill("SIGTERM");
    }
}
