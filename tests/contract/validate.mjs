// Validates recorded GraphQL requests against the repository's copy of Dagger's API schema with
// graphql-js, the reference implementation: the document itself (fields, arguments, types,
// fragments, variable definitions and where they are used) and the recorded variable values
// against their declared types.
//
//   node validate.mjs <requests.json>
//
// requests.json is an array of { "name": "...", "query": "...", "variables": { ... } }.
// Prints every failure and exits 1 if any request is invalid, 2 on bad usage.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSchema, getVariableValues, Kind, parse, validate } from "graphql";

const schemaFile = "dagger-schema-v0.21.8.graphql";
const requestsFile = process.argv[2];
if (!requestsFile) {
  console.error("usage: node validate.mjs <requests.json>");
  process.exit(2);
}

const schema = buildSchema(readFileSync(join(dirname(fileURLToPath(import.meta.url)), schemaFile), "utf8"));
const requests = JSON.parse(readFileSync(requestsFile, "utf8"));
if (!Array.isArray(requests)) {
  console.error(`${requestsFile}: expected a JSON array of { name, query, variables }`);
  process.exit(2);
}

function problemsOf(request) {
  let document;
  try {
    document = parse(request.query);
  } catch (error) {
    return [`syntax: ${error.message}`];
  }
  const problems = validate(schema, document).map((e) => e.message);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) problems.push(`expected exactly one operation, found ${operations.length}`);
  for (const operation of operations) {
    const definitions = operation.variableDefinitions ?? [];
    const declared = new Set(definitions.map((d) => d.variable.name.value));
    const variables = request.variables ?? {};
    for (const name of Object.keys(variables))
      if (!declared.has(name)) problems.push(`variable $${name} is sent but not declared`);
    const { errors } = getVariableValues(schema, definitions, variables);
    for (const error of errors ?? []) problems.push(error.message);
  }
  return problems;
}

let failed = 0;
requests.forEach((request, index) => {
  const problems = problemsOf(request);
  if (problems.length === 0) return;
  failed++;
  console.log(`FAIL #${index + 1} ${request.name ?? ""}`);
  for (const problem of problems) console.log(`  - ${problem}`);
  console.log(request.query.split("\n").map((line) => `    | ${line}`).join("\n"));
});

if (failed > 0) {
  console.log(`${failed} of ${requests.length} requests are not valid against ${schemaFile}`);
  process.exit(1);
}
console.log(`${requests.length} requests valid against ${schemaFile}`);
