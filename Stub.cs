// Compile-check stub of the parts of the experimental C# SDK the module uses (signatures as in csharp/experimental).
#pragma warning disable
namespace Dagger
{
    [AttributeUsage(AttributeTargets.Class)] public class ObjectAttribute : Attribute { }
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property)] public class FunctionAttribute : Attribute { public string? Cache { get; set; } }
    [AttributeUsage(AttributeTargets.Parameter)] public class DefaultPathAttribute(string path) : Attribute { public string Path { get; } = path; }
    [AttributeUsage(AttributeTargets.Parameter)] public class IgnoreAttribute(params string[] patterns) : Attribute { public IReadOnlyList<string> Patterns { get; } = patterns; }
    public class Scalar { public string Value { get; set; } = string.Empty; }
    public class DirectoryId : Scalar { }
    public class SecretId : Scalar { }
    public class Directory
    {
        public Directory Directory_(string path) => this;
        public Task<DirectoryId> Id(CancellationToken cancellationToken = default) => Task.FromResult(new DirectoryId());
        public Task<string> Export(string path, bool wipe = false, CancellationToken cancellationToken = default) => Task.FromResult(path);
    }
    public class File { }
    public class Secret
    {
        public Task<SecretId> Id(CancellationToken cancellationToken = default) => Task.FromResult(new SecretId());
        public Task<string> Plaintext(CancellationToken cancellationToken = default) => Task.FromResult("");
    }
    public class Query { }
    public static class Client { public static Query Dag => new(); }
}
namespace Dagger.ModuleRuntime
{
    public static class Entrypoint { public static Task<int> RunAsync(string[] args) => Task.FromResult(0); }
}
