using System.CommandLine;
using ImageTooling;
using ImageTooling.Cli;

// imagetool: list, plan, build, test, publish-multi-arch, and the release commands. Exit codes: 0 ok, 1 failure, 2 bad input.
var root = Commands.Root(Console.Out, live: LiveView.Wanted);
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run 'imagetool --help' for usage.");
    return ExitCodes.BadInput;
}
// On SIGINT/SIGTERM the running command's token is cancelled; give a push time to stop and report what landed.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
