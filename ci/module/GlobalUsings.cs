// Dagger's Directory and File, not System.IO's (the SDK's props remove the System.IO using).
global using static Dagger.Client;
global using Directory = Dagger.Directory;
global using File = Dagger.File;
