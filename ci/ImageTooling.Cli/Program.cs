using ImageTooling.Cli;

// imagetool: list, plan, build, test, publish-multi-arch, and the release commands. Exit codes: 0 ok, 1 failure, 2 bad input.
// On SIGINT/SIGTERM the running command's token is cancelled; a push gets time to stop and report what landed.
return await Commands.InvokeAsync(args, Console.Out, Console.Error, live: LiveView.Wanted, processTermination: TimeSpan.FromSeconds(30));
