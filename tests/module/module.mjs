// Runs Dagger's TypeScript SDK (@dagger.io/dagger, the engine's exact version) on the module shell in
// ci/module, the way the SDK's module runtime does, without an engine:
//
//   node module.mjs declared      prints, as JSON, the functions and arguments the SDK's own
//                                 introspector reads from the module source
//   node module.mjs entrypoint    runs the SDK's module entrypoint against the session in
//                                 DAGGER_SESSION_PORT/DAGGER_SESSION_TOKEN: it registers the module
//                                 or, when the session names a function call, invokes that function
//
// The module is copied beside node_modules first (tests/module/.module-PID/, one per process, since the
// tests run several at once; removed on exit), with the SDK's generated client as sdk/client.gen.ts,
// which is where the SDK's runtime puts it and where its introspector looks for the core types
// (Directory, Secret, ...).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const sdk = join(here, "node_modules", "@dagger.io", "dagger", "dist", "src")
const moduleName = JSON.parse(readFileSync(join(here, "..", "..", "dagger.json"), "utf8")).name
const copy = join(here, `.module-${process.pid}`)

function prepare() {
  rmSync(copy, { recursive: true, force: true })
  process.on("exit", () => rmSync(copy, { recursive: true, force: true }))
  cpSync(join(here, "..", "..", "ci", "module", "src"), join(copy, "src"), { recursive: true })
  mkdirSync(join(copy, "sdk"), { recursive: true })
  const client = readFileSync(join(sdk, "api", "client.gen.d.ts"), "utf8")
    .replace('"../common/context.js"', '"@dagger.io/dagger/dist/src/common/context.js"')
  writeFileSync(join(copy, "sdk", "client.gen.ts"), client)
  // The compiler settings the SDK's runtime gives a module (its decorators are TypeScript's experimental ones).
  const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", experimentalDecorators: true, strict: true }
  writeFileSync(join(copy, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src/**/*.ts", "sdk/**/*.ts"] }, null, 2))
  const sources = readdirSync(join(copy, "src"), { recursive: true })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(copy, "src", f))
  return [...sources, join(copy, "sdk", "client.gen.ts")]
}

const command = process.argv[2]
const files = prepare()
if (command === "declared") {
  const { scan } = await import(join(sdk, "module", "introspector", "index.js"))
  const module = await scan(files, moduleName, false)
  const objects = Object.values(module.objects).map((object) => ({
    name: object.name,
    functions: Object.values(object.methods).map((method) => ({
      name: method.alias ?? method.name,
      returns: method.returnType?.kind,
      arguments: Object.values(method.arguments).map((argument) => ({
        name: argument.name,
        type: argument.type,
        optional: argument.isOptional || argument.defaultValue !== undefined || argument.defaultPath !== undefined,
        defaultPath: argument.defaultPath,
      })),
    })),
  }))
  console.log(JSON.stringify({ module: moduleName, objects }, null, 2))
} else if (command === "entrypoint") {
  // The SDK's runtime runs a module's TypeScript with tsx on node, as here.
  const { register } = await import("tsx/esm/api")
  register({ tsconfig: join(copy, "tsconfig.json") })
  const { entrypoint } = await import(join(sdk, "module", "entrypoint", "entrypoint.js"))
  await entrypoint(files)
} else {
  console.error("usage: node module.mjs declared|entrypoint")
  process.exit(2)
}
