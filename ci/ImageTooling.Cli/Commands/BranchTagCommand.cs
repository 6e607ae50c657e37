using System.CommandLine;

namespace ImageTooling.Cli;

/// <summary><c>imagetool branch-tag</c>: the tag of a branch image (<see cref="BranchTag"/>).</summary>
internal static class BranchTagCommand
{
    private static readonly Argument<string> Branch = new("branch") { Description = "Branch name (refs/heads/ is dropped)" };
    private static readonly Argument<string> Sha = new("sha") { Description = "The branch's head commit SHA (not a pull request's merge commit)" };

    public static Command Create(CommandContext c)
    {
        var command = new Command("branch-tag", "Print the tag of a branch image: BRANCH-SLUG-SHORTSHA") { Branch, Sha };
        command.SetAction(r => c.Run(() =>
        {
            c.Output.WriteLine(BranchTag.For(r.GetValue(Branch)!, r.GetValue(Sha)!));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
