using Licenz.Server.Data;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// The group-commit writer occupied by a write that waits for <see cref="Release"/>: what is queued meanwhile waits,
/// and then groups.
/// </summary>
public sealed class HeldWriter
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldWriter()
    {
    }

    /// <summary>The held write, which ends once released.</summary>
    public Task Done { get; private set; } = Task.CompletedTask;

    /// <summary>Holds <paramref name="writes"/>'s writer, serving <paramref name="db"/>'s account, until released.</summary>
    public static async Task<HeldWriter> HoldAsync(GroupCommit writes, LicenzDbContext db)
    {
        var held = new HeldWriter();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.Done = writes.RunAsync(db, async (_, _) =>
        {
            started.SetResult();
            await held._release.Task;
            return 0;
        }, CancellationToken.None);
        await started.Task.WaitAsync(TestContext.Current.CancellationToken);
        return held;
    }

    public void Release() => _release.TrySetResult();
}
