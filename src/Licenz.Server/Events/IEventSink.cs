namespace Licenz.Server.Events;

/// <summary>Told of events once the transaction that wrote them has committed (on this node).</summary>
public interface IEventSink
{
    void Committed(IReadOnlyList<LicenzEvent> events);
}
