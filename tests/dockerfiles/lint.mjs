// Lints every images/*/Dockerfile (or DIR/*/Dockerfile: node lint.mjs DIR) with dockerfile-utils;
// exits non-zero on any diagnostic.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { validate, ValidationSeverity } from "dockerfile-utils";

const images = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "images");
let problems = 0;
let files = 0;
for (const folder of readdirSync(images, { withFileTypes: true }).filter((d) => d.isDirectory())) {
  const path = join(images, folder.name, "Dockerfile");
  if (!existsSync(path)) continue;
  files++;
  // Every rule at "warning" at least; a deliberate exception must be argued in the Dockerfile's comments.
  const diagnostics = validate(readFileSync(path, "utf8"), {
    deprecatedMaintainer: ValidationSeverity.ERROR,
    directiveCasing: ValidationSeverity.ERROR,
    emptyContinuationLine: ValidationSeverity.ERROR,
    instructionCasing: ValidationSeverity.ERROR,
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionHealthcheckMultiple: ValidationSeverity.ERROR,
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
  });
  for (const d of diagnostics) {
    problems++;
    console.log(`images/${folder.name}/Dockerfile:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
  }
}
console.log(`${files} Dockerfiles linted, ${problems} problems`);
process.exit(problems === 0 && files > 0 ? 0 : 1);
