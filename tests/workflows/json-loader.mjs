// Module hooks for lint.mjs: @actions/workflow-parser is published for bundlers and imports its
// schema JSON without an import attribute, which Node refuses. This loads such JSON files as modules.
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
  if (url.endsWith(".json") && !context.importAttributes?.type) {
    const text = await readFile(new URL(url), "utf8");
    return { format: "module", source: `export default ${text};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
