// The official MCP TypeScript SDK client, run against a stdio server given
// on the command line (directly, or through `mcp-report proxy --`).
//   node sdk_client.mjs scenario CMD [ARG...]  prints what the session saw, as JSON
//   node sdk_client.mjs tasks CMD [ARG...]     the same for tasks and cancellation
//   node sdk_client.mjs bench N CMD [ARG...]   calls echo N times, prints round trips (µs)
// MCP_NPM names the folder the SDK was installed into (npm --prefix).
import { sdk, outcome, toolCalls } from "./sdk_common.mjs";

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
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: "accept",
    content: { interpretation: "programming" },
  }));
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
  // The 2025-11-25 tasks of server-everything's research tool, through the
  // SDK's experimental tasks API: one that asks for input on the way (its
  // status goes input_required; tasks/result carries the elicitation), one
  // cancelled once created; then a call cancelled while it runs.
  const out = {};
  const stream = async (args, onCreated) => {
    const seen = [];
    for await (const m of client.experimental.tasks.callToolStream({
      name: "simulate-research-query",
      arguments: args,
    })) {
      if (m.type === "taskCreated") {
        seen.push("created");
        if (onCreated) await onCreated(m.task.taskId);
      } else if (m.type === "taskStatus") {
        if (seen[seen.length - 1] !== m.task.status) seen.push(m.task.status);
      } else if (m.type === "result") {
        seen.push({ result: m.result.content });
      } else {
        seen.push({ error: String(m.error.message).replace(/Task \S+/, "Task") });
      }
    }
    return seen;
  };
  await client.listTools();  // the SDK learns which tools need a task
  out.research = await stream({ topic: "python", ambiguous: true });
  out.cancelled = await stream({ topic: "rust" }, (taskId) =>
    client.experimental.tasks.cancelTask(taskId),
  );
  const abort = new AbortController();
  setTimeout(() => abort.abort("the user gave up"), 300);
  out.aborted = await outcome(
    client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 5, steps: 5 } },
      undefined,
      { signal: abort.signal },
    ),
  );
  console.log(JSON.stringify(out));
} else if (mode === "bench") {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await client.callTool({ name: "echo", arguments: { message: "m" + i } });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  console.log(JSON.stringify({ round_trips_us: times }));
} else {
  console.error("sdk_client.mjs: mode is scenario, tasks or bench");
  process.exitCode = 2;
}
await client.close();
