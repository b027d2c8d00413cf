// What the SDK clients of the proxy's tests share: the SDK itself, from the
// npm cache folder named by MCP_NPM (npm --prefix), and the calls both
// transports' scenarios make of server-everything.
import path from "node:path";
import { pathToFileURL } from "node:url";

const npm = process.env.MCP_NPM;
if (!npm) {
  console.error("set MCP_NPM to the npm --prefix folder of @modelcontextprotocol/sdk");
  process.exit(2);
}

// A module of the SDK, as "client/index.js".
export const sdk = (p) =>
  import(pathToFileURL(path.join(npm, "node_modules/@modelcontextprotocol/sdk/dist/esm", p)).href);

// What a call returned, error or not, without anything that differs per run.
export async function outcome(promise) {
  try {
    return { result: await promise };
  } catch (e) {
    return { error: { code: e.code ?? null, message: String(e.message) } };
  }
}

// echo, an unknown tool, and a long-running call with progress.
export async function toolCalls(client, out) {
  out.echo = await outcome(client.callTool({ name: "echo", arguments: { message: "hello proxy" } }));
  out.unknown = await outcome(client.callTool({ name: "no-such-tool", arguments: {} }));
  const progress = [];
  out.long = await outcome(
    client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    ),
  );
  out.progress = progress;
}

// The research tool asks which sense of its topic is meant.
export const elicitationAnswer = async () => ({
  action: "accept",
  content: { interpretation: "programming" },
});

// The 2025-11-25 tasks of server-everything's research tool, through the
// SDK's experimental tasks API: one that asks for input on the way (its
// status goes input_required; tasks/result carries the elicitation), one
// cancelled once created; then a call cancelled while it runs. The client
// declares elicitation and answers with elicitationAnswer.
export async function taskCalls(client) {
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
  return out;
}
