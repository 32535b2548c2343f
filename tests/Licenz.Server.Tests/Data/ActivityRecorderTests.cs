using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Licenz.Server.Verification;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Tests.Data;

/// <summary>Last-validated times are written in batches; every row still gets its own latest time.</summary>
public sealed class ActivityRecorderTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task ThousandsOfValidationsInOneFlushAreAllRecordedToTheSecondAndNeverMoveBack()
    {
        // More than one part of the flush: the last part's licenses are written as the first's.
        var ids = await SeedLicensesAsync(ActivityRecorder.PartSize + 1_200);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        var first = LicenzApplication.Epoch.UtcDateTime.AddSeconds(10.25);
        var second = first.AddSeconds(3);

        // Half the licenses were validated at two moments, the other half once; within one flush.
        for (var i = 0; i < ids.Count; i++)
        {
            recorder.LicenseValidated(ids[i], first);
            if (i % 2 == 0)
            {
                recorder.LicenseValidated(ids[i], second);
            }
        }

        await recorder.FlushAsync();

        // An older time recorded later never overwrites a newer one.
        recorder.LicenseValidated(ids[0], first);
        await recorder.FlushAsync();

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var recorded = await db.Licenses.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(l => ids.Contains(l.Id)).ToDictionaryAsync(l => l.Id, l => l.Activity.LastValidatedAt);
        Assert.Equal(ids.Count, recorded.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var expected = i % 2 == 0 ? second : first;
            Assert.Equal(new DateTime(expected.Ticks - (expected.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc), recorded[ids[i]]);
        }
    }

    [Fact]
    public async Task ASecondAlreadyPendingIsNotedOnceAndAWrittenTimeIsForgottenUntilTheNextValidation()
    {
        var ids = await SeedLicensesAsync(2);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        var now = app.Time.GetUtcNow().UtcDateTime;
        var first = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddMinutes(5);

        // Every launch within one second (and an older time noted late) leaves one entry with that second.
        recorder.LicenseValidated(ids[0], first);
        recorder.LicenseValidated(ids[0], first.AddMilliseconds(600));
        recorder.LicenseValidated(ids[0], first.AddSeconds(-3));
        recorder.LicenseValidated(ids[1], first);
        await recorder.FlushAsync();
        Assert.Equal(first, await LastValidatedAsync(ids[0]));
        Assert.Equal(first, await LastValidatedAsync(ids[1]));
        Assert.Equal(0, recorder.Waiting);

        recorder.LicenseValidated(ids[0], first.AddSeconds(7));
        await recorder.FlushAsync();
        Assert.Equal(first.AddSeconds(7), await LastValidatedAsync(ids[0]));
        Assert.Equal(first, await LastValidatedAsync(ids[1]));
        Assert.Equal(0, recorder.Waiting);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(10, 190)]
    [InlineData(50, 950)]
    [InlineData(400, 7600)]
    public void AfterEachPartTheLoopWaitsNineteenTimesItsLengthSoTheWriterTakesAboutOneTwentiethOfACore(int writtenMs, int pauseMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(pauseMs), ActivityRecorder.PauseAfter(TimeSpan.FromMilliseconds(writtenMs)));

    [Fact]
    public async Task APacedFlushWritesEveryPart()
    {
        var ids = await SeedLicensesAsync(ActivityRecorder.PartSize + 10);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        var now = app.Time.GetUtcNow().UtcDateTime;
        var validated = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddMinutes(9);
        foreach (var id in ids)
        {
            recorder.LicenseValidated(id, validated);
        }

        // Paused between the two parts, for 19 times the first's length.
        await recorder.FlushPacedAsync(TestContext.Current.CancellationToken);
        Assert.Equal(validated, await LastValidatedAsync(ids[0]));
        Assert.Equal(validated, await LastValidatedAsync(ids[^1]));
        Assert.Equal(0, recorder.LicensesWaiting);
    }

    [Fact]
    public async Task LicensesNotedByTheirPackedIdOrTheirStringAreWrittenAlike()
    {
        var ids = await SeedLicensesAsync(2);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        var now = app.Time.GetUtcNow().UtcDateTime;
        var second = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        Assert.True(Ids.TryPack(ids[0], Ids.License, out var packed));

        recorder.LicenseValidated(packed, second);
        recorder.LicenseValidated(ids[1], second.AddSeconds(1));
        recorder.LicenseValidated(ids[0], second.AddSeconds(-5));
        await recorder.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(second, await LastValidatedAsync(ids[0]));
        Assert.Equal(second.AddSeconds(1), await LastValidatedAsync(ids[1]));
        Assert.Equal(0, recorder.Waiting);
    }

    [Fact]
    public async Task WithoutAnyoneAskingTheTimesAreWrittenWithinTheConfiguredInterval()
    {
        await using var quick = new LicenzApplication().WithSetting("Licenz:Activity:FlushInterval", "00:00:01");
        await quick.InitializeAsync();
        Assert.Equal(TimeSpan.FromSeconds(1), quick.Services.GetRequiredService<IOptions<ActivityOptions>>().Value.FlushInterval);
        var ids = await SeedLicensesAsync(1, quick);
        var now = quick.Time.GetUtcNow().UtcDateTime;
        var validated = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

        quick.Services.GetRequiredService<ActivityRecorder>().LicenseValidated(ids[0], validated);

        // The background loop writes it, at the latest a second later; 15 s leaves room for a busy machine.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await LastValidatedAsync(ids[0], quick) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(validated, await LastValidatedAsync(ids[0], quick));
    }

    [Fact]
    public async Task ARefusedVerificationIsWrittenLatestPerLicenseAndFlushAndOldOnesGo()
    {
        var ids = await SeedLicensesAsync(2);
        var (kept, deleted) = (ids[0], ids[1]);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        var now = app.Time.GetUtcNow().UtcDateTime;
        var accountId = await AccountOfAsync(kept);
        static Verdict Refusal(string code) =>
            new(false, code, code.ToLowerInvariant(), [new VerificationCheck("status", "passed", "active"), new VerificationCheck("fingerprint", "failed", code)], false, null);

        // An old refusal of the kept license, from before the time refusals are kept.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            db.VerificationRefusals.Add(new VerificationRefusal
            {
                Id = Ids.NewSequential(Ids.Refusal, app.Time), AccountId = accountId, LicenseId = kept, At = now - ActivityRecorder.RefusalsKeptFor - TimeSpan.FromMinutes(1),
                Code = "SUSPENDED", Detail = "old", Checks = "[]",
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // A client retrying: three refusals of one license within a flush keep the last; a license deleted before the
        // flush takes its refusal with it.
        recorder.Refused(accountId, kept, Refusal("NO_MACHINE"), VerifyScope.Empty, now);
        recorder.Refused(accountId, kept, Refusal("HEARTBEAT_DEAD"), new VerifyScope(null, "fp-1", []), now.AddSeconds(1));
        recorder.Refused(accountId, kept, Refusal("FINGERPRINT_SCOPE_MISMATCH"), new VerifyScope(null, new string('f', 300), ["PRO", "EXPORT"]), now.AddSeconds(2));
        recorder.Refused(accountId, deleted, Refusal("NO_MACHINE"), VerifyScope.Empty, now);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(l => l.Id == deleted).ExecuteDeleteAsync(TestContext.Current.CancellationToken);
        }

        await recorder.FlushAsync(TestContext.Current.CancellationToken);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var rows = await db.VerificationRefusals.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).AsNoTracking()
                .Where(r => r.LicenseId == kept || r.LicenseId == deleted).ToListAsync(TestContext.Current.CancellationToken);
            var row = Assert.Single(rows);
            Assert.Equal(kept, row.LicenseId);
            Assert.Equal("FINGERPRINT_SCOPE_MISMATCH", row.Code);
            Assert.Equal(now.AddSeconds(2), row.At);
            Assert.Equal(new string('f', 200), row.Fingerprint);
            Assert.Equal("PRO,EXPORT", row.Entitlements);
            Assert.Contains("\"rule\":\"fingerprint\",\"outcome\":\"failed\"", row.Checks);
        }

        // Written once: the next flush writes nothing more.
        await recorder.FlushAsync(TestContext.Current.CancellationToken);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            Assert.Equal(1, await db.VerificationRefusals.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).CountAsync(r => r.LicenseId == kept, TestContext.Current.CancellationToken));
        }
    }

    private async Task<string> AccountOfAsync(string licenseId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        return await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(l => l.Id == licenseId).Select(l => l.AccountId).SingleAsync();
    }

    private Task<DateTime?> LastValidatedAsync(string licenseId) => LastValidatedAsync(licenseId, app);

    private static async Task<DateTime?> LastValidatedAsync(string licenseId, LicenzApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        return await db.Licenses.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(l => l.Id == licenseId).Select(l => l.Activity.LastValidatedAt).SingleAsync();
    }

    private Task<List<string>> SeedLicensesAsync(int count) => SeedLicensesAsync(count, app);

    private static async Task<List<string>> SeedLicensesAsync(int count, LicenzApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var accountId = await db.Accounts.Where(a => a.IsDefault).Select(a => a.Id).SingleAsync();
        var now = LicenzApplication.Epoch.UtcDateTime;
        var product = new Product { Id = Ids.New(Ids.Product, app.Time), AccountId = accountId, Name = "Batch", Code = "batch-" + Guid.NewGuid().ToString("N")[..6], SubscriptionDays = 365, TrialDays = 14, CreatedAt = now, UpdatedAt = now };
        db.Products.Add(product);
        var keys = scope.ServiceProvider.GetRequiredService<LicenseKeyProtection>();
        var licenses = Enumerable.Range(0, count).Select(_ => keys.Protect(new License
        {
            Id = Ids.New(Ids.License, app.Time),
            AccountId = accountId,
            ProductId = product.Id,
            Email = "batch@example.com",
            Type = LicenseType.Perpetual,
            Status = LicenseStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity(),
        }, LicenseKeyGenerator.Generate())).ToList();
        db.Licenses.AddRange(licenses);
        await db.SaveChangesAsync();
        return licenses.Select(l => l.Id).ToList();
    }
}
