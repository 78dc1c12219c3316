//! Prometheus metrics (the `prometheus` crate, tikv's: a registry per server, so two
//! servers in one process — tests — keep their own numbers): HTTP by route and status with
//! latency, the tracking writer's queue, batches and commits, imports, scheduled jobs and
//! the database pool. `/metrics` renders them in the text format.

use prometheus::{
    exponential_buckets, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};
use std::sync::Arc;

pub struct Metrics {
    registry: Registry,
    /// Requests by route (the route's pattern, never the raw path), method and status.
    pub http_requests: IntCounterVec,
    pub http_seconds: HistogramVec,
    /// Tracking events waiting for the writer (set when scraped).
    pub writer_queue: IntGauge,
    /// Events per committed batch.
    pub writer_batch: Histogram,
    pub writer_commit_seconds: Histogram,
    pub writer_failures: IntCounter,
    /// Rows imported and rows refused, by kind of file.
    pub import_rows: IntCounterVec,
    pub import_errors: IntCounterVec,
    /// Scheduled and manual job runs by job and outcome (`ok`, `error`, `skipped`).
    pub jobs: IntCounterVec,
    /// The database pool by state (`open`, `idle`, `max`, `waiting`; set when scraped).
    pub db_pool: IntGaugeVec,
}

pub type SharedMetrics = Arc<Metrics>;

fn seconds_buckets() -> Vec<f64> {
    // 0.5 ms to ~16 s.
    exponential_buckets(0.0005, 2.0, 16).unwrap_or_default()
}

impl Metrics {
    pub fn new() -> SharedMetrics {
        let registry = Registry::new_custom(Some("rtbcat".into()), None).unwrap_or_default();
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let histogram_vec = |name: &str, help: &str, labels: &[&str], buckets: Vec<f64>| {
            let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels).expect("valid metric");
            registry.register(Box::new(h.clone())).expect("registered once");
            h
        };
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("valid metric");
            registry.register(Box::new(h.clone())).expect("registered once");
            h
        };
        let http_requests = counter_vec(
            "http_requests_total",
            "HTTP requests by route, method and status",
            &["route", "method", "status"],
        );
        let http_seconds = histogram_vec(
            "http_request_duration_seconds",
            "HTTP request latency by route and method",
            &["route", "method"],
            seconds_buckets(),
        );
        let writer_queue =
            IntGauge::new("tracking_queue_depth", "Tracking events waiting for the writer").expect("valid");
        registry
            .register(Box::new(writer_queue.clone()))
            .expect("registered once");
        let writer_batch = histogram(
            "tracking_batch_events",
            "Events per committed tracking batch",
            exponential_buckets(1.0, 2.0, 12).unwrap_or_default(),
        );
        let writer_commit_seconds = histogram(
            "tracking_commit_seconds",
            "Time to commit a tracking batch",
            seconds_buckets(),
        );
        let writer_failures = IntCounter::new(
            "tracking_commit_failures_total",
            "Tracking batches that failed to commit",
        )
        .expect("valid");
        registry
            .register(Box::new(writer_failures.clone()))
            .expect("registered once");
        let import_rows = counter_vec("import_rows_total", "Rows imported by kind of file", &["kind"]);
        let import_errors = counter_vec("import_errors_total", "Rows refused by kind of file", &["kind"]);
        let jobs = counter_vec("job_runs_total", "Job runs by job and outcome", &["job", "outcome"]);
        let db_pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )
        .expect("valid metric");
        registry.register(Box::new(db_pool.clone())).expect("registered once");
        Arc::new(Metrics {
            registry,
            http_requests,
            http_seconds,
            writer_queue,
            writer_batch,
            writer_commit_seconds,
            writer_failures,
            import_rows,
            import_errors,
            jobs,
            db_pool,
        })
    }

    /// Counts one run of a job: `ok` or `error`.
    pub fn job<T, E>(&self, job: &str, result: &Result<T, E>) {
        let outcome = if result.is_ok() { "ok" } else { "error" };
        self.jobs.with_label_values(&[job, outcome]).inc();
    }

    /// The text exposition format.
    pub fn render(&self, pool: rtbcat_store::PoolStatus) -> String {
        for (state, value) in [
            ("open", pool.open),
            ("idle", pool.idle),
            ("max", pool.max),
            ("waiting", pool.waiting),
        ] {
            self.db_pool.with_label_values(&[state]).set(value);
        }
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# metrics could not be encoded: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_in_the_text_format_with_their_labels() {
        let metrics = Metrics::new();
        metrics
            .http_requests
            .with_label_values(&["/api/offers/{property}", "GET", "200"])
            .inc_by(3);
        metrics.writer_batch.observe(64.0);
        metrics.job("reports", &Ok::<(), ()>(()));
        metrics.job("reports", &Err::<(), ()>(()));
        let text = metrics.render(rtbcat_store::PoolStatus {
            open: 3,
            idle: 2,
            max: 8,
            waiting: 0,
        });
        assert!(
            text.contains(
                "rtbcat_http_requests_total{method=\"GET\",route=\"/api/offers/{property}\",status=\"200\"} 3"
            ),
            "{text}"
        );
        assert!(text.contains("rtbcat_tracking_batch_events_count 1"), "{text}");
        assert!(
            text.contains("rtbcat_job_runs_total{job=\"reports\",outcome=\"error\"} 1"),
            "{text}"
        );
        assert!(text.contains("rtbcat_db_pool_connections{state=\"max\"} 8"), "{text}");
        // Each server has its own registry.
        assert!(!Metrics::new()
            .render(rtbcat_store::PoolStatus::default())
            .contains("rtbcat_http_requests_total{"));
    }
}
