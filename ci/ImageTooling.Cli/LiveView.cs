using System.Collections.Concurrent;
using System.Text;
using ImageTooling.Scheduling;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImageTooling.Cli;

/// <summary>
/// The live table of a run on a terminal: every node's stage, elapsed and expected seconds, the
/// critical path marked. The pipeline's log lines scroll above it. One thread draws; the pipeline
/// only records what changed.
/// </summary>
internal sealed class LiveView : IPipelineObserver, IAsyncDisposable
{
    private readonly IAnsiConsole console;
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentDictionary<BuildNode, NodeStatus> statuses = new();
    private readonly CancellationTokenSource stop = new();
    private readonly DateTimeOffset started = DateTimeOffset.UtcNow;
    private Schedule? schedule;
    private Task? drawing;

    public LiveView(IAnsiConsole console)
    {
        this.console = console;
        Log = new LineWriter(lines);
    }

    /// <summary>A terminal a person watches: standard output is not redirected and this is not CI.</summary>
    public static bool Wanted =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Where the pipeline writes its timestamped lines while the table is drawn.</summary>
    public TextWriter Log { get; }

    public void Started(Schedule planned)
    {
        schedule = planned;
        foreach (var node in planned.Nodes) statuses[node] = new NodeStatus(node, NodeStage.Waiting);
        drawing ??= Task.Run(DrawAsync);
    }

    public void Changed(NodeStatus status) => statuses[status.Node] = status;

    private async Task DrawAsync()
    {
        await console.Live(Table(DateTimeOffset.UtcNow)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async live =>
        {
            while (!stop.IsCancellationRequested)
            {
                Flush();
                live.UpdateTarget(Table(DateTimeOffset.UtcNow));
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            Flush();
            live.UpdateTarget(Table(DateTimeOffset.UtcNow));
        });
    }

    private void Flush()
    {
        // Padded to the full width: a line written above the table replaces a line of the table, and
        // Spectre does not clear what the shorter line leaves of it.
        var text = new StringBuilder();
        while (lines.TryDequeue(out var line)) text.Append(line.PadRight(console.Profile.Width)).Append('\n');
        if (text.Length > 0) console.Write(new Text(text.ToString()));
    }

    private IRenderable Table(DateTimeOffset now) => schedule is null ? new Text("") : Table(schedule, statuses, now - started, now);

    /// <summary>The table as it stands at <paramref name="now"/>; a node without a status is waiting.</summary>
    public static IRenderable Table(Schedule schedule, IReadOnlyDictionary<BuildNode, NodeStatus> statuses, TimeSpan elapsed, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("node").AddColumn("state").AddColumn(new TableColumn("build s").RightAligned())
            .AddColumn(new TableColumn("smoke s").RightAligned()).AddColumn(new TableColumn("waited s").RightAligned()).AddColumn("");
        foreach (var node in schedule.Nodes)
        {
            var status = statuses.GetValueOrDefault(node) ?? new NodeStatus(node, NodeStage.Waiting);
            var expected = schedule.Expected(node);
            var running = (now - status.Since).TotalSeconds;
            var build = status.Stage == NodeStage.Building ? running : status.BuildSeconds;
            var smoke = status.Stage == NodeStage.SmokeTesting ? running : status.SmokeSeconds;
            table.AddRow(
                new Markup(Markup.Escape(node.Id)),
                new Markup(StageMarkup(status.Stage)),
                new Markup(Versus(build, expected.BuildSeconds)),
                new Markup(schedule.SmokeTests ? Versus(smoke, expected.SmokeSeconds) : "[grey]-[/]"),
                new Markup($"{status.WaitedSeconds:0}"),
                new Markup(schedule.IsCritical(node) ? "[bold magenta]critical path[/]" : ""));
        }
        var done = statuses.Values.Count(s => s.Stage == NodeStage.Done);
        table.Caption($"{done}/{schedule.Nodes.Count} done · {elapsed.TotalSeconds:0} s elapsed · expected lower bound {schedule.LowerBoundSeconds:0} s on {ScheduleReports.Slots(schedule.Slots)} · times: elapsed/expected");
        return table;
    }

    private static string Versus(double? seconds, double expected) => (seconds, expected) switch
    {
        (null, 0) => "[grey]-[/]",
        (null, _) => $"[grey]{expected:0}[/]",
        ({ } s, 0) => $"{s:0}",
        ({ } s, _) => $"{s:0}[grey]/{expected:0}[/]",
    };

    private static string StageMarkup(NodeStage stage) => stage switch
    {
        NodeStage.Waiting => "[grey]waiting[/]",
        NodeStage.Building => "[yellow]building[/]",
        NodeStage.Built => "[cyan]built, test waits[/]",
        NodeStage.SmokeTesting => "[blue]smoke-testing[/]",
        NodeStage.Done => "[green]done[/]",
        _ => "[bold red]failed[/]",
    };

    /// <summary>Stops drawing and leaves the last table on the screen; lines written before any run started are printed plainly.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (drawing is not null) await drawing;
        Flush();
        stop.Dispose();
    }

    /// <summary>Queues whole lines for the drawing thread.</summary>
    private sealed class LineWriter(ConcurrentQueue<string> lines) : TextWriter
    {
        private readonly StringBuilder partial = new();
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (partial)
            {
                if (value == '\n')
                {
                    lines.Enqueue(partial.ToString().TrimEnd('\r'));
                    partial.Clear();
                }
                else
                {
                    partial.Append(value);
                }
            }
        }
    }
}
