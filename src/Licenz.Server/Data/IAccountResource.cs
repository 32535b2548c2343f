namespace Licenz.Server.Data;

/// <summary>An account-owned row with a time-sortable id; queries see only the served account's rows (the tenant filter).</summary>
public interface IAccountResource
{
    string Id { get; }

    string AccountId { get; }
}
