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
