// The TypeScript SDK's own check of a tool's structuredContent (its
// AjvJsonSchemaValidator: ajv with ajv-formats, as its client calls it):
// reads [[schema, value], ...] as JSON on stdin, prints [true|false, ...].
// MCP_NPM names the folder the SDK was installed into (npm --prefix).
import { sdk } from "./sdk_common.mjs";

const { AjvJsonSchemaValidator } = await sdk("validation/ajv-provider.js");
let input = "";
for await (const chunk of process.stdin) input += chunk;
const validator = new AjvJsonSchemaValidator();
const out = JSON.parse(input).map(([schema, value]) => validator.getValidator(schema)(value).valid);
console.log(JSON.stringify(out));
