//! The group-commit event writer: every tracking event is durable before its caller hears
//! back, and a busy second costs one commit, not thousands.

use super::{TrackError, MAX_BATCH};
use rtbcat_store::{PopupEvent, SharedStore, StoreError};
use tokio::sync::{mpsc, oneshot};

struct Pending {
    event: PopupEvent,
    reply: oneshot::Sender<Result<bool, String>>,
}

/// One writer task for all tracking events: it takes whatever is queued (up to
/// `MAX_BATCH`), writes it in one transaction, and only then answers each caller — so an
/// HTTP 2xx means the event is durable, and a busy second costs one commit, not thousands.
#[derive(Clone)]
pub struct EventWriter {
    queue: mpsc::Sender<Pending>,
}

impl EventWriter {
    /// Starts the writer; it stops, after writing what is queued, once every handle is dropped.
    /// Batch sizes, commit times and failures go to `metrics`.
    pub fn start(
        store: SharedStore,
        capacity: usize,
        metrics: crate::platform::metrics::SharedMetrics,
    ) -> (EventWriter, tokio::task::JoinHandle<()>) {
        let (queue, mut receiver) = mpsc::channel::<Pending>(capacity.max(1));
        let task = tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (events, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|p| (p.event, p.reply)).unzip();
                metrics.writer_batch.observe(events.len() as f64);
                // A duration, not a time of day: the monotonic clock is the right one here.
                let started = std::time::Instant::now();
                let written = store.record_popup_events(events).await;
                metrics.writer_commit_seconds.observe(started.elapsed().as_secs_f64());
                match written {
                    Ok(outcomes) => {
                        for (reply, new) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(new));
                        }
                    }
                    Err(e) => {
                        metrics.writer_failures.inc();
                        tracing::error!(error = %e, "writing tracking events failed");
                        for reply in replies {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        (EventWriter { queue }, task)
    }

    /// Events queued and not yet taken by the writer.
    pub fn depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Queues an event and waits until it is committed; `Busy` at once when the queue is full.
    pub async fn record(&self, event: PopupEvent) -> Result<bool, TrackError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Pending { event, reply })
            .map_err(|_| TrackError::Busy)?;
        match answer.await {
            Ok(Ok(new)) => Ok(new),
            Ok(Err(message)) => Err(TrackError::Store(StoreError::Backend(message))),
            Err(_) => Err(TrackError::Busy),
        }
    }
}
