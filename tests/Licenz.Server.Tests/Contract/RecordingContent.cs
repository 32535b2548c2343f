namespace Licenz.Server.Tests.Contract;

/// <summary>
/// Sends another content unchanged (same headers, same length or lack of one, same chunks) while keeping a
/// copy of the bytes, so the checker can read the request body after the server has answered. Bodies over
/// the limit are sent but not kept.
/// </summary>
internal sealed class RecordingContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly int _limit;
    private MemoryStream? _copy;

    public RecordingContent(HttpContent inner, int limit)
    {
        _inner = inner;
        _limit = limit;
        foreach (var header in inner.Headers.Where(h => !string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>The bytes sent, or null if none were sent or there were too many to keep.</summary>
    public byte[]? Recorded => _copy is { } copy && copy.Length <= _limit ? copy.ToArray() : null;

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        _copy = new MemoryStream();
        await using var tee = new TeeStream(stream, _copy, _limit);
        await _inner.CopyToAsync(tee, cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        var known = _inner.Headers.ContentLength;
        length = known ?? 0;
        return known is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Writes through to the connection and copies up to one byte past the limit (enough to know it was passed).</summary>
    private sealed class TeeStream(Stream target, MemoryStream copy, int limit) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Keep(buffer);
            target.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            return target.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => target.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => target.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            var room = limit + 1 - (int)copy.Length;
            if (room > 0)
            {
                copy.Write(bytes[..Math.Min(room, bytes.Length)]);
            }
        }
    }
}
