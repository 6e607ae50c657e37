using System.Text.RegularExpressions;
using ImageTooling.Catalog;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>Static checks: the catalog and the Dockerfiles agree, downloads are verified and architecture-aware, images stay clean.</summary>
public partial class DockerfileTests
{
    private static readonly ImageCatalog Catalog = Repo.Catalog();

    public static TheoryData<string> Images() => [.. Repo.Catalog().Images.Select(i => i.Name)];

    private static string Dockerfile(string image) => File.ReadAllText(Path.Combine(Repo.Images, Catalog.Image(image).Dockerfile));

    /// <summary>RUN instructions with their continuation lines joined.</summary>
    private static List<string> Runs(string dockerfile) =>
        [.. Regex.Split(dockerfile.Replace("\\\n", " ", StringComparison.Ordinal), "\n").Where(l => l.StartsWith("RUN ", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_tool_of_the_layer_is_installed_from_its_catalog_arguments(string image)
    {
        var dockerfile = Dockerfile(image);
        foreach (var tool in Catalog.ToolsOf(Catalog.Image(image)))
        {
            if (tool.Source is Download download)
            {
                Assert.Contains($"ARG {tool.ArgPrefix}_DOWNLOAD\n", dockerfile);
                Assert.Matches($@"fetch-verified {tool.ArgPrefix}_DOWNLOAD ", dockerfile);
                // The stage that fetches reads TARGETARCH to pick its row.
                var stage = dockerfile[..dockerfile.IndexOf($"ARG {tool.ArgPrefix}_DOWNLOAD", StringComparison.Ordinal)];
                Assert.EndsWith("ARG TARGETARCH\n", stage);
                if (download.ArchivePath is { } inner)
                    Assert.Contains(inner.Split('/').Last(), dockerfile);
            }
            else
            {
                Assert.Contains($"ARG {tool.ArgPrefix}_PACKAGE\n", dockerfile);
                Assert.Contains($"\"${tool.ArgPrefix}_PACKAGE\"", dockerfile);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Bases_come_only_from_pinned_arguments_or_the_same_run(string image)
    {
        var definition = Catalog.Image(image);
        var dockerfile = Dockerfile(image);
        var roots = new Dictionary<string, string>(); // stage name -> the image it starts from, in the end
        var finalRoot = "";
        foreach (Match from in FromLine().Matches(dockerfile))
        {
            var source = from.Groups["source"].Value;
            var native = from.Groups[1].Value == "--platform=$BUILDPLATFORM ";
            Assert.True(source is "${DEBIAN_IMAGE}" or "${BUILD_DEBIAN_IMAGE}" or "${BASE_IMAGE}" || roots.ContainsKey(source), $"{image}: FROM {source}");
            finalRoot = roots.GetValueOrDefault(source, source);
            // The build machine's stages start from its own variant; target stages never do (a stage
            // built on another stage runs where that one runs).
            if (!roots.ContainsKey(source))
                Assert.True(native == (source == "${BUILD_DEBIAN_IMAGE}"), $"{image}: {from.Value}");
            if (from.Groups["name"].Success) roots[from.Groups["name"].Value] = finalRoot;
        }
        Assert.DoesNotContain(":latest", dockerfile);
        if (definition.Base is not null)
        {
            Assert.Contains("\nARG BASE_IMAGE\n", dockerfile); // no default: never whatever latest is
            Assert.Equal("${BASE_IMAGE}", finalRoot);
        }
        else
        {
            Assert.DoesNotContain("BASE_IMAGE}", dockerfile.Replace("BUILD_DEBIAN_IMAGE}", "", StringComparison.Ordinal).Replace("{DEBIAN_IMAGE}", "", StringComparison.Ordinal));
            Assert.Equal("${DEBIAN_IMAGE}", finalRoot);
        }
    }

    /// <summary>
    /// buildah 1.28 (the local engine on Debian 12) keys a RUN's layer cache on the instruction and its parent layer, not
    /// on the content of a stage it mounts: a bytecode stage that mounted the install stage reused, on another image, the
    /// layer an unrelated build had cached for the same instruction. What a RUN reads from another stage is copied in.
    /// </summary>
    [Theory]
    [MemberData(nameof(Images))]
    public void No_RUN_mounts_another_stage_whose_changes_the_local_engine_s_cache_would_not_see(string image)
    {
        foreach (var run in Runs(Dockerfile(image)))
            Assert.DoesNotMatch(@"--mount=(\S*,)?from=", run);
    }

    /// <summary>images/common/toolbox-apt-install: the one way the images install Debian packages.</summary>
    private static readonly string AptInstall = File.ReadAllText(Path.Combine(Repo.Images, "common", "toolbox-apt-install"));

    [Theory]
    [MemberData(nameof(Images))]
    public void Package_installs_go_through_the_one_install_script(string image)
    {
        var dockerfile = Dockerfile(image);
        foreach (var run in Runs(dockerfile))
        {
            Assert.DoesNotContain("apt-get", run);
            Assert.DoesNotContain("dpkg-divert", run);
            Assert.DoesNotMatch(@"\|\s*(ba)?sh\b", run); // no curl | sh
            Assert.DoesNotContain("pip install", run);
            Assert.DoesNotContain("chmod u+s", run);
            Assert.DoesNotContain("chmod 4", run);
        }
        // The script is copied in before the first install of each stage that uses it.
        foreach (var stage in Regex.Split(dockerfile, "\n(?=FROM )").Where(stage => stage.Contains("RUN toolbox-apt-install", StringComparison.Ordinal)))
            Assert.True(stage.Contains("common/toolbox-apt-install", StringComparison.Ordinal) || !stage.StartsWith("FROM ${", StringComparison.Ordinal) || stage.StartsWith("FROM ${BASE_IMAGE}", StringComparison.Ordinal),
                $"{image}: a stage installs packages without copying common/toolbox-apt-install first:\n{stage[..stage.IndexOf('\n', StringComparison.Ordinal)]}");
    }

    [Fact]
    public void The_install_script_leaves_no_lists_caches_recommends_or_setuid_bits_behind_and_undoes_its_deferrals()
    {
        // In the same RUN as the install, so no layer keeps them (the base may lack Debian's docker-clean).
        Assert.Contains("install -y --no-install-recommends", AptInstall);
        Assert.Matches(@"\nrm -rf [^\n]*/var/lib/apt/lists/\*", AptInstall);
        Assert.Matches(@"\nrm -rf [^\n]*/var/cache/apt/\*\.bin", AptInstall);
        Assert.Matches(@"\nrm -rf [^\n]*/var/cache/apt/archives/\*\.deb", AptInstall);
        Assert.Contains("\nfind / -xdev -perm /6000 -type f -exec chmod a-s {} +\n", AptInstall);
        Assert.Contains("dpkg-divert --local --rename --remove \"$program\"", AptInstall);
        Assert.Contains("#clear DPkg::Pre-Install-Pkgs;", AptInstall);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Archives_are_unpacked_as_root_owned_files_and_every_stage_of_the_target_installs_through_the_script(string image)
    {
        var dockerfile = Dockerfile(image);
        foreach (var tar in Runs(dockerfile).SelectMany(run => TarExtract().Matches(run)).Select(m => m.Value))
            Assert.Contains("--no-same-owner", tar);
        // Every install in a stage of the target platform strips the bits the packages brought (the script does).
        var targetStages = Regex.Split(dockerfile, "\n(?=FROM )").Where(stage => stage.StartsWith("FROM ", StringComparison.Ordinal) && !stage.StartsWith("FROM --platform=$BUILDPLATFORM ", StringComparison.Ordinal));
        Assert.Contains(targetStages.SelectMany(Runs), run => run.StartsWith("RUN toolbox-apt-install ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_final_stage_speaks_UTF_8(string image)
    {
        // An image built on another layer of the catalog inherits the setting from it.
        var definition = Catalog.Image(image);
        while (definition.Base is { } layer)
            definition = Catalog.Image(layer);
        var dockerfile = Dockerfile(definition.Name);
        Assert.Contains("\nENV LANG=C.UTF-8\n", dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..]);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_image_has_the_toolbox_entry_point_and_lists_its_tools(string image)
    {
        var definition = Catalog.Image(image);
        var dockerfile = Dockerfile(image);
        Assert.Contains($"ENV TOOLBOX_IMAGE={image}\n", dockerfile);
        Assert.Matches(@"\nARG TOOLBOX_TOOLS\nRUN toolbox-register \d\d-[a-z0-9-]+ ""\$TOOLBOX_TOOLS""\n", dockerfile);
        if (definition.Base is null)
        {
            Assert.Contains("ENTRYPOINT [\"toolbox-entrypoint\"]", dockerfile);
            Assert.Contains("COPY common/toolbox-entrypoint common/toolbox-help common/toolbox-arch common/toolbox-register common/toolbox-setup /usr/local/bin/\nRUN toolbox-setup\n", dockerfile);
            Assert.Contains("\nENV HOME=/home/toolbox\n", dockerfile);
        }
    }

    [Fact]
    public void The_dockerfile_linter_passes_and_catches_mistakes()
    {
        var (exit, output) = NodeTool.Run("dockerfiles", "lint.mjs");
        Assert.True(exit == 0, output);
        Assert.Contains($"{Catalog.Images.Count} Dockerfiles linted, 0 problems", output);

        var broken = Directory.CreateTempSubdirectory("imagetool-lint-");
        Directory.CreateDirectory(Path.Combine(broken.FullName, "x"));
        File.WriteAllText(Path.Combine(broken.FullName, "x", "Dockerfile"), "from debian\nWORKDIR relative\n");
        var (brokenExit, brokenOutput) = NodeTool.Run("dockerfiles", "lint.mjs", broken.FullName);
        Assert.Equal(1, brokenExit);
        Assert.Contains("WORKDIR paths should be absolute", brokenOutput);
    }

    [Fact]
    public void The_shell_scripts_of_the_images_pass_shellcheck()
    {
        var scripts = Directory.GetFiles(Path.Combine(Repo.Images, "common")).Where(f => File.ReadLines(f).FirstOrDefault()?.StartsWith("#!/bin/sh", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(8, scripts.Count);
        var result = TestProcess.Run("shellcheck", scripts.Prepend("sh").Prepend("-s"));
        Assert.True(result.ExitCode == 0, result.ToString());
        // The Dockerfiles copy them to /usr/local/bin and run them by name: COPY keeps the mode they have here.
        Assert.All(scripts, script => Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable"));
    }

    [GeneratedRegex(@"\btar\s+(-[a-zA-Z]*x[a-zA-Z]*|--extract|(--[a-z-]+\s+)+-[a-zA-Z]*x[a-zA-Z]*)[^;&|]*")]
    private static partial Regex TarExtract();

    [GeneratedRegex(@"^FROM (--platform=\S+ )?(?<source>\S+)( AS (?<name>\S+))?$", RegexOptions.Multiline)]
    private static partial Regex FromLine();
}
