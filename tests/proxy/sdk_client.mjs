// The official MCP TypeScript SDK client, run against a stdio server given
// on the command line (directly, or through `mcp-report proxy --`).
//   node sdk_client.mjs scenario CMD [ARG...]  prints what the session saw, as JSON
//   node sdk_client.mjs tasks CMD [ARG...]     the same for tasks and cancellation
//   node sdk_client.mjs bench N CMD [ARG...]   calls echo N times, prints round trips (µs)
//   node sdk_client.mjs refused CMD [ARG...]   fake_server.py's answers this client refuses
//   node sdk_client.mjs progress CMD [ARG...]  fake_server.py's progress tool, twice
//   node sdk_client.mjs schema CMD [ARG...]    lists tools, then calls "count" (which
//                                              fake_server.py --tools lists with an
//                                              outputSchema) with structuredContent that
//                                              matches it, does not, and none
// MCP_NPM names the folder the SDK was installed into (npm --prefix).
import { sdk, outcome, toolCalls, taskCalls, elicitationAnswer } from "./sdk_common.mjs";

const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const { ElicitRequestSchema } = await sdk("types.js");

const [mode, ...rest] = process.argv.slice(2);
const count = mode === "bench" ? Number(rest.shift()) : 0;
const [command, ...args] = rest;

const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
const client = new Client(
  { name: "mcp-report-test-client", version: "1.2.3" },
  mode === "tasks" ? { capabilities: { elicitation: {} } } : undefined,
);
// The research tool asks which sense of its topic is meant.
if (mode === "tasks")
  client.setRequestHandler(ElicitRequestSchema, elicitationAnswer);
await client.connect(transport);

if (mode === "scenario") {
  const out = {};
  const tools = await client.listTools();
  out.tools = tools.tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema }));
  await toolCalls(client, out);
  out.prompt = await outcome(client.getPrompt({ name: "simple-prompt", arguments: {} }));
  // A string cut inside an emoji: JSON.stringify sends a lone surrogate
  // ("\ud83c"), which the server echoes back in its result.
  out.surrogate = await outcome(
    client.callTool({ name: "echo", arguments: { message: "party 🎉".slice(0, 7) } }),
  );
  out.server = client.getServerVersion();
  console.log(JSON.stringify(out));
} else if (mode === "tasks") {
  console.log(JSON.stringify(await taskCalls(client)));
} else if (mode === "bench") {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await client.callTool({ name: "echo", arguments: { message: "m" + i } });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  console.log(JSON.stringify({ round_trips_us: times }));
} else if (mode === "refused") {
  // An answer with NaN, which JSON.parse refuses: the call times out (and
  // the SDK cancels it); then one of 10 MiB + 1 byte, past the ReadBuffer's
  // limit, which closes the session.
  const out = {};
  out.nan = await outcome(client.callTool({ name: "nan", arguments: {} }, undefined, { timeout: 1000 }));
  out.echo = await outcome(client.callTool({ name: "echo", arguments: {} }));
  out.huge = await outcome(client.callTool({ name: "huge", arguments: {} }));
  console.log(JSON.stringify(out));
} else if (mode === "progress") {
  const out = [];
  for (let i = 0; i < 2; i++) {
    const progress = [];
    const got = await outcome(
      client.callTool({ name: "progress", arguments: {} }, undefined, {
        onprogress: (p) => progress.push(p.progress),
        timeout: 5000,
      }),
    );
    out.push({ ...got, progress });
  }
  console.log(JSON.stringify(out));
} else if (mode === "schema") {
  await client.listTools();
  const out = {};
  const call = (args) => outcome(client.callTool({ name: "count", arguments: args }));
  out.matches = await call({ structured: { n: 3 } });
  out.fails = await call({ structured: { n: -1 } });
  out.none = await call({});
  out.toolError = await call({ isError: true });
  console.log(JSON.stringify(out));
} else {
  console.error("sdk_client.mjs: mode is scenario, tasks, bench, refused, progress or schema");
  process.exitCode = 2;
}
await client.close();
