// A keep-alive HTTP/1.1 server on 127.0.0.1 answering from the benchmark fixtures, for client
// per-request benchmarks (this SDK's, the floor's, the TypeScript SDK's) against the same server.
//
//   node tools/ts-bench/loopback-server.mjs [--fixtures DIR] [--port N]   (default port: a free one)
//
// Prints `LOOPBACK_URL=http://127.0.0.1:PORT` once listening. Routes (paths at the root, like Prism):
//   GET  /generation?id=...  generation.json        GET /models  models.json
//   POST /chat/completions   chat_completion.json, or chat_stream.sse when the body has "stream":true
//   POST /responses          responses_result.json
// Stops on SIGTERM/SIGINT, or after --max-seconds (default 600) so it never outlives a run.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
};
const FIXTURES = resolve(opt("--fixtures", process.env.BENCH_FIXTURES_DIR ?? join(ROOT, "target/bench-fixtures")));
const file = (name) => readFileSync(join(FIXTURES, name));
const bodies = {
    generation: file("generation.json"),
    models: file("models.json"),
    chat: file("chat_completion.json"),
    stream: file("chat_stream.sse"),
    responses: file("responses_result.json"),
};

function send(res, status, type, body) {
    res.writeHead(status, { "content-type": type, "content-length": body.length });
    res.end(body);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const path = req.url.split("?")[0];
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        if (!/^Bearer \S/.test(req.headers.authorization ?? "")) {
            return send(res, 401, "application/json", Buffer.from('{"error":{"code":401,"message":"Missing Authentication header"}}'));
        }
        if (req.method === "GET" && path === "/generation") return send(res, 200, "application/json", bodies.generation);
        if (req.method === "GET" && path === "/models") return send(res, 200, "application/json", bodies.models);
        if (req.method === "POST" && path === "/responses") return send(res, 200, "application/json", bodies.responses);
        if (req.method === "POST" && path === "/chat/completions") {
            const stream = /"stream"\s*:\s*true/.test(Buffer.concat(chunks).toString("utf8"));
            return stream
                ? send(res, 200, "text/event-stream", bodies.stream)
                : send(res, 200, "application/json", bodies.chat);
        }
        send(res, 404, "application/json", Buffer.from('{"error":{"code":404,"message":"Not Found"}}'));
    });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 61_000;
server.listen(Number(opt("--port", 0)), "127.0.0.1", () => {
    console.log(`LOOPBACK_URL=http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setTimeout(stop, Number(opt("--max-seconds", 600)) * 1000).unref();
