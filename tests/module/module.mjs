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
// tests run several at once; removed on exit) with its own package.json and tsconfig.json, and the SDK's generated
// client as sdk/client.gen.ts, which is where the SDK's runtime puts the library it bundles and where its
// introspector looks for the core types (Directory, Secret, ...).
// MODULE_SOURCE, when set, names another folder to take the module's src/ from (a test's mutant of it).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const sdk = join(here, "node_modules", "@dagger.io", "dagger", "dist", "src")
const moduleName = JSON.parse(readFileSync(join(here, "..", "..", "dagger.json"), "utf8")).name
const copy = join(here, `.module-${process.pid}`)

function prepare() {
  const module = join(here, "..", "..", "ci", "module")
  rmSync(copy, { recursive: true, force: true })
  process.on("exit", () => rmSync(copy, { recursive: true, force: true }))
  cpSync(process.env.MODULE_SOURCE ?? join(module, "src"), join(copy, "src"), { recursive: true })
  cpSync(join(module, "package.json"), join(copy, "package.json"))
  mkdirSync(join(copy, "sdk"), { recursive: true })
  const client = readFileSync(join(sdk, "api", "client.gen.d.ts"), "utf8")
    .replace('"../common/context.js"', '"@dagger.io/dagger/dist/src/common/context.js"')
  writeFileSync(join(copy, "sdk", "client.gen.ts"), client)
  // The module's own compiler settings (ci/module/tsconfig.json, the runtime's template at v0.21.8:
  // moduleResolution "Node", experimental decorators), without its paths: here @dagger.io/dagger is the SDK package
  // installed beside this script, which holds the module code (decorators, entrypoint) the generated client does not.
  const tsconfig = JSON.parse(readFileSync(join(module, "tsconfig.json"), "utf8"))
  delete tsconfig.compilerOptions.paths
  tsconfig.include = ["src/**/*.ts", "sdk/**/*.ts"]
  writeFileSync(join(copy, "tsconfig.json"), JSON.stringify(tsconfig, null, 2))
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
        ignore: argument.ignore,
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
