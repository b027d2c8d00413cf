// The official MCP TypeScript SDK client over Streamable HTTP, run against a
// server's URL (directly, or through `mcp-report proxy --listen`).
//   node sdk_http_client.mjs scenario URL        what one session saw, as JSON
//   node sdk_http_client.mjs scenario -- CMD...  the same calls over stdio
//   node sdk_http_client.mjs tasks URL           tasks and cancellation (sdk_common.mjs)
//   node sdk_http_client.mjs sessions K URL      K sessions at once, 3 calls each
//   node sdk_http_client.mjs bench N URL         N echo calls, round trips (µs)
//   node sdk_http_client.mjs bench N URL URL2    the same through two sessions at
//                                                once, a call of each in turn
// MCP_NPM names the folder the SDK was installed into (npm --prefix);
// MCP_AUTHORIZATION, when set, is sent as every request's Authorization.
import { sdk, outcome, toolCalls, taskCalls, elicitationAnswer } from "./sdk_common.mjs";

const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const { CreateMessageRequestSchema, ElicitRequestSchema } = await sdk("types.js");

const [mode, ...rest] = process.argv.slice(2);
const count = mode === "bench" || mode === "sessions" ? Number(rest.shift()) : 0;

// A client that can answer the server's sampling requests (and, for tasks,
// its elicitations).
async function connect(target) {
  const authorization = process.env.MCP_AUTHORIZATION;
  const requestInit = authorization ? { headers: { Authorization: authorization } } : undefined;
  const transport =
    target[0] === "--"
      ? new StdioClientTransport({ command: target[1], args: target.slice(2), env: process.env, stderr: "inherit" })
      : new StreamableHTTPClientTransport(new URL(target[0]), { requestInit });
  const client = new Client(
    { name: "mcp-report-test-client", version: "1.2.3" },
    { capabilities: mode === "tasks" ? { sampling: {}, elicitation: {} } : { sampling: {} } },
  );
  if (mode === "tasks") client.setRequestHandler(ElicitRequestSchema, elicitationAnswer);
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    model: "test-model",
    role: "assistant",
    content: { type: "text", text: "sampled: " + request.params.messages[0].content.text },
  }));
  await client.connect(transport);
  return { client, transport };
}

async function scenario(target) {
  const { client, transport } = await connect(target);
  const out = {};
  out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
  await toolCalls(client, out);
  const resources = (await client.listResources()).resources;
  out.resources = resources.map((r) => r.uri).sort();
  const doc = resources.find((r) => r.uri.endsWith("/features.md")) ?? resources[0];
  out.read = await outcome(client.readResource({ uri: doc.uri }));
  out.prompt = await outcome(client.getPrompt({ name: "simple-prompt", arguments: {} }));
  out.sampling = await outcome(
    client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "hi", maxTokens: 5 } }),
  );
  out.server = client.getServerVersion();
  if (transport.terminateSession) {
    await transport.terminateSession();
    out.session_ended = transport.sessionId === undefined;
  }
  await client.close();
  return out;
}

// K sessions at once, each calling echo three times with its own messages.
async function sessions(k, target) {
  const one = async (i) => {
    const { client, transport } = await connect(target);
    const seen = [];
    for (let j = 0; j < 3; j++) {
      const r = await client.callTool({ name: "echo", arguments: { message: `s${i}-c${j}` } });
      seen.push(r.content[0].text);
    }
    const session = transport.sessionId;
    await transport.terminateSession();
    await client.close();
    return { session, seen };
  };
  return Promise.all(Array.from({ length: k }, (_, i) => one(i)));
}

// N echo calls on each URL's session; with two, a call of each in turn
// (which goes first alternating), so that both see the machine alike.
async function bench(n, urls) {
  const sessions = [];
  for (const url of urls) sessions.push(await connect([url]));
  const times = urls.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < sessions.length; k++) {
      const which = i % 2 === 0 ? k : sessions.length - 1 - k;
      const t0 = process.hrtime.bigint();
      await sessions[which].client.callTool({ name: "echo", arguments: { message: "m" + i } });
      times[which].push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  for (const { client, transport } of sessions) {
    await transport.terminateSession();
    await client.close();
  }
  return urls.length === 1 ? { round_trips_us: times[0] } : { round_trips_us: times };
}

async function tasks(target) {
  const { client, transport } = await connect(target);
  // The SDK sends a cancellation without waiting for it: the session ends
  // once it went, or the DELETE may reach the server (and the proxy) first.
  const sent = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const p = send(message, options);
    sent.push(p.catch(() => {}));
    return p;
  };
  const out = await taskCalls(client);
  await Promise.all(sent);
  if (transport.terminateSession) await transport.terminateSession();
  await client.close();
  return out;
}

if (mode === "scenario") console.log(JSON.stringify(await scenario(rest)));
else if (mode === "tasks") console.log(JSON.stringify(await tasks(rest)));
else if (mode === "sessions") console.log(JSON.stringify(await sessions(count, rest)));
else if (mode === "bench") console.log(JSON.stringify(await bench(count, rest)));
else {
  console.error("sdk_http_client.mjs: mode is scenario, tasks, sessions or bench");
  process.exitCode = 2;
}
