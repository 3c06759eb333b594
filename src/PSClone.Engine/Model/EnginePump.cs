using System.Collections.Concurrent;

namespace PSClone;

/// <summary>Runs engine work on a worker thread while the calling thread delivers its events, in
/// order, to the host. PowerShell allows WriteObject, WriteError and ShouldProcess only on the
/// pipeline thread; this is the queue-and-drain shape of PSResourceGet's install helper.</summary>
public static class EnginePump
{
    public static T Run<T>(Func<IEngineEvents, CancellationToken, T> work, IEngineEvents host, CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var relay = new Relay();
        T result = default!;
        Exception? failure = null;
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                result = work(relay, linked.Token);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                relay.Queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Exception? hostFailure = null;
        foreach (var message in relay.Queue.GetConsumingEnumerable())
        {
            if (hostFailure is not null)
            {
                message.Abandon();
                continue;
            }
            try
            {
                message.Deliver(host, relay);
            }
            catch (Exception ex)
            {
                // The host stopped (Ctrl+C, a closed pipe): stop the work, keep draining so the worker can finish.
                hostFailure = ex;
                message.Abandon();
                linked.Cancel();
            }
        }
        worker.Wait(CancellationToken.None);
        if (hostFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(hostFailure);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }

    private abstract class Message
    {
        public abstract void Deliver(IEngineEvents host, Relay relay);
        public virtual void Abandon() { }
    }

    private sealed class Call(Action<IEngineEvents> action) : Message
    {
        public override void Deliver(IEngineEvents host, Relay relay) => action(host);
    }

    private sealed class LatestProgress : Message
    {
        public override void Deliver(IEngineEvents host, Relay relay)
        {
            Interlocked.Exchange(ref relay.ProgressQueued, 0);
            var progress = Volatile.Read(ref relay.Latest);
            if (progress is not null) host.Progress(progress);
        }
    }

    private sealed class Question(string target, string action) : Message
    {
        public readonly TaskCompletionSource<bool> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Deliver(IEngineEvents host, Relay relay)
        {
            try
            {
                Answer.SetResult(host.ShouldProcess(target, action));
            }
            catch (Exception ex)
            {
                Answer.SetException(ex);
                throw;
            }
        }

        public override void Abandon() => Answer.TrySetResult(false);
    }

    private sealed class Relay : IEngineEvents
    {
        public readonly BlockingCollection<Message> Queue = new();
        public EngineProgress? Latest;
        public int ProgressQueued;

        private void Post(Message message)
        {
            try
            {
                Queue.Add(message);
            }
            catch (InvalidOperationException)
            {
                // Adding completed: the run is over; nothing left to tell.
            }
        }

        public void Item(object item) => Post(new Call(h => h.Item(item)));
        public void Warning(string message) => Post(new Call(h => h.Warning(message)));
        public void Verbose(string message) => Post(new Call(h => h.Verbose(message)));
        public void Error(EngineError error) => Post(new Call(h => h.Error(error)));

        public void Progress(EngineProgress progress)
        {
            Volatile.Write(ref Latest, progress);
            if (progress.Completed || Interlocked.Exchange(ref ProgressQueued, 1) == 0)
            {
                if (progress.Completed) Post(new Call(h => h.Progress(progress)));
                else Post(new LatestProgress());
            }
        }

        public bool ShouldProcess(string target, string action)
        {
            var question = new Question(target, action);
            Post(question);
            return question.Answer.Task.GetAwaiter().GetResult();
        }
    }
}
