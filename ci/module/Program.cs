// Entry point of the module, started by the Dagger engine (the C# SDK's module runtime).
return await Dagger.ModuleRuntime.Entrypoint.RunAsync(args);
