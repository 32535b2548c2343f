using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Tests.Shared;

/// <summary>
/// Shared by the test projects (linked source): holds one database write of the real server in the window between
/// what the request read and what it writes, so a test can run another request in exactly that window. A save is held
/// before EF Core opens its transaction (SQLite would otherwise hold the write lock while waiting); a command
/// outside SaveChanges (<c>ExecuteDelete</c>) just before it runs. Only the armed write waits; every other passes.
/// </summary>
public sealed class RaceGate
{
    private readonly Lock _lock = new();
    private Hold? _armed;

    /// <summary>Adds the gate to the server's DbContext options (the test host's services).</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<RaceGate>();
        // Each engine's context type has options of its own; the one the server does not use is never built.
        services.ConfigureDbContext<Licenz.Server.Data.LicenzDbContext>(Configure, ServiceLifetime.Singleton);
        services.ConfigureDbContext<Licenz.Server.Data.PostgreSqlLicenzDbContext>(Configure, ServiceLifetime.Singleton);

        static void Configure(IServiceProvider provider, DbContextOptionsBuilder options)
        {
            var gate = provider.GetRequiredService<RaceGate>();
            options.AddInterceptors(new SaveHold(gate), new CommandHold(gate));
        }
    }

    /// <summary>Holds the next SaveChanges whose tracked changes match, until <see cref="Hold.Release"/>.</summary>
    public Hold HoldSave(Func<ChangeTracker, bool> matches) => Arm(new Hold(matches, null));

    /// <summary>Holds the next command outside SaveChanges whose SQL matches (an <c>ExecuteDelete</c>), until released.</summary>
    public Hold HoldCommand(Func<string, bool> matches) => Arm(new Hold(null, matches));

    private Hold Arm(Hold hold)
    {
        lock (_lock)
        {
            Assert.Null(_armed);
            _armed = hold;
        }

        return hold;
    }

    private Hold? Take(Func<Hold, bool> matches)
    {
        lock (_lock)
        {
            if (_armed is { } hold && matches(hold))
            {
                _armed = null;
                return hold;
            }

            return null;
        }
    }

    private Task WaitAsync(Hold? hold, CancellationToken cancellationToken)
    {
        if (hold is null)
        {
            return Task.CompletedTask;
        }

        hold.Reach();
        return hold.Released.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>One armed hold: <see cref="Reached"/> once the request waits in the window, <see cref="Release"/> to let it write.</summary>
    public sealed class Hold(Func<ChangeTracker, bool>? save, Func<string, bool>? command)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Func<ChangeTracker, bool>? Save { get; } = save;

        internal Func<string, bool>? Command { get; } = command;

        internal Task Released => _released.Task;

        /// <summary>Completes when the held request has read what it needed and waits to write; fails after 30 seconds.</summary>
        public Task Reached => _reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public void Release() => _released.TrySetResult();

        internal void Reach() => _reached.TrySetResult();
    }

    private sealed class SaveHold(RaceGate gate) : SaveChangesInterceptor
    {
        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context is { } context)
            {
                await gate.WaitAsync(gate.Take(h => h.Save?.Invoke(context.ChangeTracker) == true), cancellationToken);
            }

            return result;
        }
    }

    private sealed class CommandHold(RaceGate gate) : DbCommandInterceptor
    {
        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(gate.Take(h => h.Command?.Invoke(command.CommandText) == true), cancellationToken);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(gate.Take(h => h.Command?.Invoke(command.CommandText) == true), cancellationToken);
            return result;
        }
    }
}
