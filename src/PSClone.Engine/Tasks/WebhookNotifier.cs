using System.Net.Http.Headers;
using System.Reflection;
using System.Text;

namespace PSClone.Tasks;

/// <summary>Posts a run's JSON (the history entry, camelCase) to a task's webhook. A notification
/// never fails the run: every problem, a timeout included, comes back as a message.</summary>
internal static class WebhookNotifier
{
    private static readonly HttpClient Client = CreateClient();

    private static HttpClient CreateClient()
    {
        // The per-call timeout is the task's; the client's own stays out of the way.
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        string version = typeof(WebhookNotifier).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("PSClone", version));
        return client;
    }

    public static bool ShouldNotify(CloneTaskNotification notification, CloneStatus status) =>
        notification.On == NotifyOn.Always || status is not (CloneStatus.Success or CloneStatus.CompletedWithWarnings);

    /// <summary>Null when the webhook answered 2xx in time; otherwise what went wrong.</summary>
    public static string? Post(CloneTaskNotification notification, CloneTaskRun run, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(notification.Timeout);
        try
        {
            using var content = new StringContent(TaskJson.SerializeRun(run), Encoding.UTF8, "application/json");
            using var response = Client.PostAsync(notification.Webhook, content, timeout.Token).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode ? null
                : $"The webhook '{notification.Webhook}' answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return $"The webhook '{notification.Webhook}' did not answer within {Age.Format(notification.Timeout)}.";
        }
        catch (OperationCanceledException)
        {
            return $"The notification to '{notification.Webhook}' was canceled.";
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
        {
            return $"The webhook '{notification.Webhook}' could not be reached: {ex.Message}";
        }
    }
}
