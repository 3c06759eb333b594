using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace PSClone.Images;

/// <summary>Stores the chunks of large files on every core. Cutting a file into chunks is
/// sequential (each cut point depends on the previous one), but hashing, compressing and encrypting
/// a chunk is not: the thread reading a file hands each chunk over, and one encoder thread per core
/// takes it from there. The queue is bounded, so memory stays at a few chunks per core however
/// large the file.</summary>
internal sealed class ChunkPipeline : IDisposable
{
    private readonly ImageSession _session;
    private readonly BlockingCollection<Job> _queue;
    private readonly Thread[] _encoders;

    private readonly record struct Job(FileChunks File, int Index, NativeBuffer Buffer, int Length);

    public ChunkPipeline(ImageSession session, int encoders)
    {
        _session = session;
        _queue = new BlockingCollection<Job>(boundedCapacity: encoders);
        _encoders = new Thread[encoders];
        for (int i = 0; i < encoders; i++)
        {
            _encoders[i] = new Thread(Encode) { IsBackground = true, Name = "psclone chunk encoder" };
            _encoders[i].Start();
        }
    }

    /// <summary>Hands a chunk (the first <paramref name="length"/> bytes of a buffer rented from
    /// <see cref="BufferPool"/>, which the pipeline returns) to the encoders; waits while they are busy.</summary>
    public void Submit(FileChunks file, NativeBuffer buffer, int length, CancellationToken cancel)
    {
        int index = file.Add();
        try
        {
            _queue.Add(new Job(file, index, buffer, length), cancel);
        }
        catch
        {
            BufferPool.Shared.Return(buffer);
            file.Complete(index, default, new OperationCanceledException(cancel));
            throw;
        }
    }

    private void Encode()
    {
        foreach (var job in _queue.GetConsumingEnumerable())
        {
            ChunkId id = default;
            Exception? error = null;
            try
            {
                // A file that failed or was given up needs no more chunks stored.
                if (!job.File.Failed) id = _session.StoreData(job.Buffer.AsSpan(0, job.Length));
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                BufferPool.Shared.Return(job.Buffer);
            }
            job.File.Complete(job.Index, id, error);
        }
    }

    /// <summary>Waits for the chunks in flight, then stops the encoders.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _encoders) thread.Join();
        _queue.Dispose();
    }

    /// <summary>The chunks of one file in flight: their ids in file order once all are stored.</summary>
    public sealed class FileChunks
    {
        private readonly object _gate = new();
        private readonly List<ChunkId> _ids = new();
        private int _pending;
        private Exception? _error;

        public bool Failed
        {
            get { lock (_gate) return _error is not null; }
        }

        internal int Add()
        {
            lock (_gate)
            {
                _pending++;
                _ids.Add(default);
                return _ids.Count - 1;
            }
        }

        internal void Complete(int index, ChunkId id, Exception? error)
        {
            lock (_gate)
            {
                _ids[index] = id;
                _error ??= error;
                if (--_pending == 0) Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Gives up on the file: chunks not yet started are not stored.</summary>
        public void Abandon()
        {
            lock (_gate) _error ??= new OperationCanceledException();
        }

        /// <summary>The ids of the file's chunks in the order they were submitted, once every one is
        /// stored; rethrows the first failure.</summary>
        public IReadOnlyList<ChunkId> WaitAll()
        {
            lock (_gate)
            {
                while (_pending > 0) Monitor.Wait(_gate);
                if (_error is not null) ExceptionDispatchInfo.Throw(_error);
                return _ids;
            }
        }
    }
}
