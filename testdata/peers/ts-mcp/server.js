// A real MCP server on the TypeScript SDK (@modelcontextprotocol/sdk),
// stateful Streamable HTTP on a plain node:http server, for reslua's tests.
//
//   PORT                       port on 127.0.0.1 (default 0: any free one)
//   RESLUA_PEER_KEEPALIVE_MS   server.keepAliveTimeout in ms (Node's default: 5000)
//   RESLUA_PEER_LOG_CLOSES=1   print "closed" on stdout when a connection closes,
//                              so a test waits on the event rather than on time
//
// It prints "listening http://127.0.0.1:<port>/mcp" on stdout once ready,
// and counts tool calls: the tool "calls" returns how many "echo" calls
// it handled, by text, so a test can check that none ran twice.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const echoes = new Map(); // text -> times handled

function newServer() {
  const server = new McpServer({ name: "reslua-ts-peer", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes text.", inputSchema: { text: z.string() } },
    async ({ text }) => {
      echoes.set(text, (echoes.get(text) ?? 0) + 1);
      return { content: [{ type: "text", text }] };
    },
  );
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool(
    "calls",
    { description: "How many times each echo text was handled, as JSON." },
    async () => ({ content: [{ type: "text", text: JSON.stringify(Object.fromEntries(echoes)) }] }),
  );
  return server;
}

const transports = new Map(); // session id -> transport

async function readJSON(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (new URL(req.url, "http://x").pathname !== "/mcp") {
      res.writeHead(404).end("not found");
      return;
    }
    const id = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? await readJSON(req) : undefined;
    let transport = id ? transports.get(id) : undefined;
    if (!transport) {
      if (id || req.method !== "POST" || !isInitializeRequest(body)) {
        res.writeHead(id ? 404 : 400, { "content-type": "application/json" }).end(
          JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "no valid session" }, id: null }),
        );
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => transports.set(sid, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (err) {
    if (!res.headersSent) res.writeHead(500).end(String(err));
  }
});

const ka = Number(process.env.RESLUA_PEER_KEEPALIVE_MS ?? "");
if (Number.isFinite(ka) && ka > 0) httpServer.keepAliveTimeout = ka;

if (process.env.RESLUA_PEER_LOG_CLOSES === "1") {
  httpServer.on("connection", (socket) => socket.on("close", () => console.log("closed")));
}

httpServer.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = httpServer.address();
  console.log(`listening http://127.0.0.1:${port}/mcp`);
});

for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
