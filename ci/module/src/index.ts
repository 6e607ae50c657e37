// The Dagger module shell behind `dagger call list|plan|build|test|publish-multi-arch|stage|assemble`.
//
// It only maps arguments: each function publishes the C# `imagetool` (ci/ImageTooling.Cli) from the
// source directory in one exec of a digest-pinned .NET SDK container, then runs it in another.
// `experimentalPrivilegedNesting` gives that second container this session (DAGGER_SESSION_PORT/TOKEN), so
// imagetool picks its Dagger engine and the C# adapter builds, tests and publishes through the same engine.
// All logic stays in C#.
import { randomUUID } from "node:crypto"

import { argument, Container, dag, Directory, File, func, object, Secret } from "@dagger.io/dagger"

// The .NET 10 SDK image index, pinned by digest (docs/dagger.md says how it was chosen and how to check it).
const DOTNET_SDK =
  "mcr.microsoft.com/dotnet/sdk:10.0@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c"
const WORKDIR = "/src"
const IMAGETOOL_DIR = "/imagetool"
const NUGET_PACKAGES = "/root/.nuget/packages"
const STAGED_DIR = "/staged"

// What `source` carries: exactly what imagetool is built from and reads, stated once, here. The engine loads a
// `defaultPath: "/"` directory as the repository root minus this list (dockerignore patterns, the last match wins),
// so everything else (untracked files, TestResults/, .env, .git) stays out of the containers.
const SOURCE = [
  "*",
  "!ci/ImageTooling",
  "!ci/ImageTooling.Cli",
  "!ci/ImageTooling.Dagger",
  "!ci/ImageTooling.Local",
  "!ci/ImageTooling.Registry",
  "!images",
  "!Directory.Build.props",
  "!Directory.Packages.props",
  "!global.json",
  "!.editorconfig",
  "**/bin",
  "**/obj",
]

/** Options every build-like function takes, in imagetool's spelling. */
function planOptions(o: {
  tag?: string
  branchTag?: string
  image?: string[]
  platform?: string[]
  registry?: string
  noFloatingTags?: boolean
  revision?: string
}): string[] {
  const args: string[] = []
  if (o.tag) args.push("--tag", o.tag)
  if (o.branchTag) args.push("--branch-tag", o.branchTag)
  for (const name of o.image ?? []) args.push("--image", name)
  for (const name of o.platform ?? []) args.push("--platform", name)
  if (o.registry) args.push("--registry", o.registry)
  if (o.noFloatingTags) args.push("--no-floating-tags")
  if (o.revision) args.push("--revision", o.revision)
  return args
}

/** imagetool, published in an exec of its own from the C# sources alone (not images/), NuGet's packages in a cache volume. */
function built(source: Directory): Directory {
  return dag
    .container()
    .from(DOTNET_SDK)
    .withEnvVariable("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    .withEnvVariable("DOTNET_NOLOGO", "1")
    .withMountedCache(NUGET_PACKAGES, dag.cacheVolume("image-tooling-nuget"))
    .withDirectory(WORKDIR, source, { exclude: ["images"] })
    .withWorkdir(WORKDIR)
    .withExec([
      "dotnet",
      "publish",
      "ci/ImageTooling.Cli",
      "--configuration",
      "Release",
      "--output",
      IMAGETOOL_DIR,
    ])
    .directory(IMAGETOOL_DIR)
}

/**
 * The built imagetool and images/ in the pinned SDK container, ready to run. `fresh` gives the container a value no
 * other call has: the engine keeps exec results between sessions and would otherwise replay an identical call
 * instead of running it. The builds imagetool asks for are not affected: they are cached by their own inputs.
 */
function toolbox(source: Directory, options: { sourceDateEpoch?: number; fresh?: boolean } = {}): Container {
  let container = dag
    .container()
    .from(DOTNET_SDK)
    .withEnvVariable("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    .withEnvVariable("DOTNET_NOLOGO", "1")
    .withDirectory(IMAGETOOL_DIR, built(source))
    .withDirectory(`${WORKDIR}/images`, source.directory("images"))
    .withWorkdir(WORKDIR)
  if (options.sourceDateEpoch !== undefined) container = container.withEnvVariable("SOURCE_DATE_EPOCH", `${options.sourceDateEpoch}`)
  if (options.fresh) container = container.withEnvVariable("IMAGETOOL_CALL", randomUUID())
  return container
}

function imagetool(container: Container, args: string[]): Promise<string> {
  return container
    .withExec(["dotnet", `${IMAGETOOL_DIR}/imagetool.dll`, ...args], { experimentalPrivilegedNesting: true })
    .stdout()
}

/** `build` and `test`: the same arguments and the same run, only the command differs. */
function onTheEngine(
  command: "build" | "test",
  source: Directory,
  o: Parameters<typeof planOptions>[0] & { sourceDateEpoch?: number; rerun: boolean },
): Promise<string> {
  const container = toolbox(source, { sourceDateEpoch: o.sourceDateEpoch, fresh: o.rerun })
  return imagetool(container, [command, "--engine", "dagger", ...planOptions(o)])
}

/**
 * The toolbox for a call that writes to the registry: always fresh (it must look at the registry every time, so a
 * deleted or damaged tag is repaired), the token only as a secret variable; imagetool's adapter hands Dagger
 * env://REGISTRY_PASSWORD.
 */
function writing(source: Directory, token: Secret, sourceDateEpoch?: number): Container {
  return toolbox(source, { sourceDateEpoch, fresh: true }).withSecretVariable("REGISTRY_PASSWORD", token)
}

/** The login by the secret variable's name, and the run report (docs/run-report.md) as the call's output; progress goes to stderr. */
function asUser(username: string): string[] {
  return ["--username", username, "--password-env", "REGISTRY_PASSWORD", "--metadata-file", "-"]
}

/**
 * Builds, smoke-tests and publishes the multi-arch tooling images described in images/catalog.yaml.
 *
 * Cache policies (Dagger v0.21.8 keeps a function's result for up to a week unless the function or dagger.json says
 * otherwise): the functions that write to the registry are `cache: "never"`, so every call runs and looks at the
 * registry; `build` and `test` are `cache: "session"`, so every `dagger call` runs them (their execs still come from the
 * engine's cache unless `--rerun`). Each declares its own, whatever dagger.json's disableDefaultFunctionCaching says.
 */
@object()
export class ImageTooling {
  /** List the images, their tools and pinned versions. */
  @func()
  async list(@argument({ defaultPath: "/", ignore: SOURCE }) source: Directory, markdown = false): Promise<string> {
    return imagetool(toolbox(source), ["list", ...(markdown ? ["--markdown"] : [])])
  }

  /** Print what a run would build, test and publish, without running anything. */
  @func()
  async plan(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    tag?: string,
    branchTag?: string,
    image?: string[],
    platform?: string[],
    registry?: string,
    noFloatingTags = false,
    // Not `json`: `dagger call` has a --json flag of its own, and a function argument of that name is fatal to it.
    asJson = false,
  ): Promise<string> {
    const options = planOptions({ tag, branchTag, image, platform, registry, noFloatingTags })
    return imagetool(toolbox(source), ["plan", ...options, ...(asJson ? ["--json"] : [])])
  }

  /** Build every planned image for every platform. */
  @func({ cache: "session" })
  async build(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    tag?: string,
    branchTag?: string,
    image?: string[],
    platform?: string[],
    revision?: string,
    sourceDateEpoch?: number,
    // Run imagetool even when an identical call ran before (the engine would replay that call's output).
    rerun = false,
  ): Promise<string> {
    return onTheEngine("build", source, { tag, branchTag, image, platform, revision, sourceDateEpoch, rerun })
  }

  /** Build every planned image and run its smoke tests in containers of each platform. */
  @func({ cache: "session" })
  async test(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    tag?: string,
    branchTag?: string,
    image?: string[],
    platform?: string[],
    revision?: string,
    sourceDateEpoch?: number,
    // Run imagetool even when an identical call ran before (the engine would replay that call's output).
    rerun = false,
  ): Promise<string> {
    return onTheEngine("test", source, { tag, branchTag, image, platform, revision, sourceDateEpoch, rerun })
  }

  /** Build, smoke-test, then publish one multi-arch index per image: version tag first, floating tags last. */
  @func({ cache: "never" })
  async publishMultiArch(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    username: string,
    token: Secret,
    tag?: string,
    branchTag?: string,
    image?: string[],
    platform?: string[],
    registry?: string,
    noFloatingTags = false,
    force = false,
    revision?: string,
    sourceDateEpoch?: number,
  ): Promise<string> {
    const options = planOptions({ tag, branchTag, image, platform, registry, noFloatingTags, revision })
    return imagetool(writing(source, token, sourceDateEpoch), [
      "publish-multi-arch",
      "--engine",
      "dagger",
      ...options,
      ...(force ? ["--force"] : []),
      ...asUser(username),
    ])
  }

  /**
   * Build and smoke-test the planned platforms (one runner's share, e.g. --platform linux/arm64), then push each
   * image's variants by digest with no tag. Returns the run report; its `staged` list is what `assemble` takes.
   */
  @func({ cache: "never" })
  async stage(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    username: string,
    token: Secret,
    tag?: string,
    branchTag?: string,
    image?: string[],
    platform?: string[],
    registry?: string,
    revision?: string,
    sourceDateEpoch?: number,
  ): Promise<string> {
    const options = planOptions({ tag, branchTag, image, platform, registry, revision })
    return imagetool(writing(source, token, sourceDateEpoch), ["stage", "--engine", "dagger", ...options, ...asUser(username)])
  }

  /**
   * Put each image's index together registry-side from the staged digests of every platform (the run reports of
   * `stage`, one per runner), then tag it as publish-multi-arch does. Nothing is built.
   */
  @func({ cache: "never" })
  async assemble(
    @argument({ defaultPath: "/", ignore: SOURCE }) source: Directory,
    username: string,
    token: Secret,
    staged: File[],
    tag?: string,
    branchTag?: string,
    image?: string[],
    registry?: string,
    noFloatingTags = false,
    force = false,
  ): Promise<string> {
    let container = writing(source, token)
    const reports: string[] = []
    staged.forEach((report, i) => {
      const path = `${STAGED_DIR}/${i}.json`
      container = container.withFile(path, report)
      reports.push("--staged", path)
    })
    const options = planOptions({ tag, branchTag, image, registry, noFloatingTags })
    return imagetool(container, [
      "assemble",
      ...options,
      ...reports,
      ...(force ? ["--force"] : []),
      ...asUser(username),
    ])
  }
}
