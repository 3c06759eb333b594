using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PSClone.Tests.Support;

/// <summary>A tiny HTTP server on 127.0.0.1 that records each request's body and answers 200, or
/// (when <see cref="Hang"/>) reads the request and never answers.</summary>
public sealed class FakeWebhook : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = new();

    public FakeWebhook(bool hang = false)
    {
        Hang = hang;
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    public bool Hang { get; }
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";
    public BlockingCollection<(string RequestLine, string ContentType, string Body)> Requests { get; } = new();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _clients.Add(client);
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one, _stop.Token) == 0) return;
                head.Append((char)one[0]);
            }
            var lines = head.ToString().Split("\r\n");
            int length = 0;
            string contentType = "";
            foreach (var line in lines)
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
                if (line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)) contentType = line[13..].Trim();
            }
            var body = new byte[length];
            int read = 0;
            while (read < length) read += await stream.ReadAsync(body.AsMemory(read), _stop.Token);
            Requests.Add((lines[0], contentType, Encoding.UTF8.GetString(body)));
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var c in _clients) c.Dispose();
        _stop.Dispose();
    }
}
