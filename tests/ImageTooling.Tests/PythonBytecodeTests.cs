using System.Text;
using ImageTooling.Testing;

namespace ImageTooling.Tests;

/// <summary>
/// images/common/python-bytecode run with this machine's python3 on a target root built by the test, as the images'
/// bytecode stages run it on the install stage's mounted file system: it compiles the target's Python trees, records
/// the target's paths, copies only what it wrote, and refuses a target whose Python is another version.
/// </summary>
public sealed class PythonBytecodeTests : IDisposable
{
    private static readonly string Python = TestProcess.Run("python3", ["-c", "import sys; print('python%d.%d' % sys.version_info[:2])"]).Output.Trim();
    private readonly string root = Directory.CreateTempSubdirectory("imagetool-bytecode-root-").FullName;
    private readonly string output = Path.Combine(Directory.CreateTempSubdirectory("imagetool-bytecode-out-").FullName, "out");

    public void Dispose()
    {
        Directory.Delete(root, recursive: true);
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
    }

    private void Source(string path, string text = "VALUE = 1\n")
    {
        var file = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
    }

    private ProcessResult Compile() => TestProcess.Run("sh", [Path.Combine(Repo.Images, "common", "python-bytecode"), root, output], timeout: TimeSpan.FromMinutes(1));

    private IEnumerable<string> Written() =>
        Directory.Exists(output) ? Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal) : [];

    [Fact]
    public void The_target_s_python_trees_are_compiled_under_their_own_paths_and_nothing_else_is_copied()
    {
        Source("usr/lib/python3/dist-packages/awscli/clidriver.py");
        Source($"usr/lib/{Python}/json/decoder.py");
        Source("usr/share/doc/example/not-a-python-tree.py");
        Source("etc/profile", "not copied\n");

        var result = Compile();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("python-bytecode: 2 files compiled", result.Output);
        var tag = Python.Replace("python", "cpython-", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal);
        string[] expected = [$"usr/lib/python3/dist-packages/awscli/__pycache__/clidriver.{tag}.pyc", $"usr/lib/{Python}/json/__pycache__/decoder.{tag}.pyc"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), Written());
        // A traceback names the file where the image has it, not where the build mounted it.
        var bytecode = Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(output, $"usr/lib/python3/dist-packages/awscli/__pycache__/clidriver.{tag}.pyc")));
        Assert.Contains("/usr/lib/python3/dist-packages/awscli/clidriver.py", bytecode);
        Assert.DoesNotContain(root, bytecode);
    }

    [Fact]
    public void A_target_whose_python_is_another_version_fails_the_build_naming_both()
    {
        Source("usr/lib/python3/dist-packages/awscli/clidriver.py");
        Source("usr/lib/python2.9/json/decoder.py");

        var result = Compile();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"the target has no /usr/lib/{Python}: its Python is not the build machine's {Python}", result.Output);
        Assert.Empty(Written());
    }

    [Fact]
    public void A_target_without_python_sources_fails_the_build()
    {
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/python3"));
        Directory.CreateDirectory(Path.Combine(root, $"usr/lib/{Python}"));

        var result = Compile();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("python-bytecode: no Python sources under", result.Output);
    }
}
