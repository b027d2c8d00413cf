// The official MCP TypeScript SDK client calling one tool with the W3C trace
// context of its own span in params._meta, as OpenTelemetry's MCP
// instrumentation propagates it (semantic conventions, "Context propagation").
//   node otlp_traced_client.mjs TRACEPARENT TRACESTATE CMD [ARG...]
// prints the call's result as JSON. MCP_NPM names the folder the SDK was
// installed into (npm --prefix).
import path from "node:path";
import { pathToFileURL } from "node:url";

const npm = process.env.MCP_NPM;
const sdk = (p) =>
  import(pathToFileURL(path.join(npm, "node_modules/@modelcontextprotocol/sdk/dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");

const [traceparent, tracestate, command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
const client = new Client({ name: "traced-client", version: "4.5.6" });
await client.connect(transport);
const result = await client.callTool({
  name: "echo",
  arguments: { message: "traced" },
  _meta: { traceparent, tracestate },
});
console.log(JSON.stringify(result));
await client.close();
