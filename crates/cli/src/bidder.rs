//! The bidder wing from the command line: the demo data set and imports.

use crate::open_store;
use anyhow::{bail, Context, Result};
use clap::Args;
use clap::Subcommand;
use rtbcat_app::{Clock, Config};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args)]
pub struct DemoArgs {
    /// Seed for the generator: the same seed gives the same data.
    #[arg(long, default_value_t = rtbcat_app::bidder::demo::DEFAULT_SEED)]
    seed: u64,
    /// How many creatives to generate.
    #[arg(long, default_value_t = rtbcat_app::bidder::demo::DEFAULT_CREATIVES)]
    creatives: usize,
    /// About how many hourly performance rows to generate over the last 30 days.
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    /// Popup impressions per day across the four demo properties (30 days are written).
    #[arg(long, default_value_t = 15_000)]
    popup_impressions: u64,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Creatives in the Real-time Bidding API v1 JSON shape: a creatives.list response,
    /// a JSON array, or NDJSON (one creative per line). `-` reads standard input.
    /// A file with any invalid element is rejected whole, each bad element named.
    Creatives {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Performance and traffic reports (CSV, gzip accepted): the seed CSV, Authorized Buyers
    /// performance, funnel, bid-filtering and quality exports, a bidder traffic CSV. The
    /// kind is recognised from the header. Bad rows are skipped and listed; good rows land.
    Performance {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Reject rows for creatives the catalog does not know (default: keep and warn).
        #[arg(long)]
        strict: bool,
    },
}

pub async fn import(config: Config, clock: Arc<dyn Clock>, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Creatives { files, json } => import_creatives(config, clock, files, json).await,
        ImportCommand::Performance { files, json, strict } => {
            import_performance(config, clock, files, json, strict).await
        }
    }
}

pub async fn demo(config: Config, clock: Arc<dyn Clock>, args: DemoArgs) -> Result<()> {
    let store = open_store(&config).await?;
    let started = Instant::now();
    let report = rtbcat_app::bidder::demo::load(
        &store,
        args.seed,
        args.creatives,
        args.rows,
        &config.buyers_ui_template,
        clock.now(),
    )
    .await?;
    let catalog = &report.catalog;
    println!(
        "demo creatives: {} ({} new, {} updated, {} unchanged) over seats {}",
        catalog.creatives,
        catalog.inserted,
        catalog.updated,
        catalog.unchanged,
        catalog.seats.join(", ")
    );
    println!(
        "demo performance: {} hourly rows over 30 days and {} traffic rows ({} new, {} replaced); {:.2}s",
        report.performance_rows,
        report.traffic_rows,
        report.performance_inserted,
        report.performance_updated,
        started.elapsed().as_secs_f64()
    );
    let popups = rtbcat_app::popups::demo::load(&store, args.seed, args.popup_impressions, clock.now()).await?;
    println!(
        "demo popups: {} properties, {} offers, 30 days: {} impressions, {} clicks, {} conversions ({} events written); {:.2}s",
        popups.properties,
        popups.offers,
        popups.impressions,
        popups.clicks,
        popups.conversions,
        popups.events_written,
        started.elapsed().as_secs_f64()
    );
    if store.count_users().await? == 0 {
        println!("next: `rtbcat serve`, then open /setup to create the first administrator");
    }
    Ok(())
}

async fn import_creatives(config: Config, clock: Arc<dyn Clock>, files: Vec<PathBuf>, json: bool) -> Result<()> {
    let store = open_store(&config).await?;
    let mut failed = false;
    for file in files {
        let started = Instant::now();
        let name = file.display().to_string();
        let text = if name == "-" {
            rtbcat_app::bidder::catalog::read_document(std::io::stdin()).context("reading standard input")?
        } else {
            let opened = std::fs::File::open(&file).with_context(|| format!("opening {name}"))?;
            rtbcat_app::bidder::catalog::read_document(opened).with_context(|| format!("reading {name}"))?
        };
        match rtbcat_app::bidder::catalog::import_creatives(
            &store,
            &text,
            &name,
            "cli",
            &config.buyers_ui_template,
            clock.unix(),
        )
        .await
        {
            Ok(report) => {
                let seconds = started.elapsed().as_secs_f64();
                if json {
                    let mut value = serde_json::to_value(&report)?;
                    value["duration_seconds"] = serde_json::json!(seconds);
                    println!("{value}");
                    continue;
                }
                println!("{name}: {} creatives in {seconds:.3}s", report.creatives);
                println!(
                    "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                    "format", "total", "new", "updated", "unchanged"
                );
                for (format, summary) in &report.by_format {
                    println!(
                        "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                        format, summary.creatives, summary.inserted, summary.updated, summary.unchanged
                    );
                }
                println!(
                    "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                    "all", report.creatives, report.inserted, report.updated, report.unchanged
                );
            }
            Err(rtbcat_app::bidder::catalog::ImportError::Invalid {
                errors, total_errors, ..
            }) => {
                failed = true;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"source": name, "imported": 0, "total_errors": total_errors, "errors": errors})
                    );
                    continue;
                }
                eprintln!("{name}: rejected, nothing imported — {total_errors} invalid element(s):");
                for error in &errors {
                    eprintln!("  {error}");
                }
                if total_errors > errors.len() {
                    eprintln!("  … and {} more", total_errors - errors.len());
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    if failed {
        bail!("some files were rejected");
    }
    Ok(())
}

async fn import_performance(
    config: Config,
    clock: Arc<dyn Clock>,
    files: Vec<PathBuf>,
    json: bool,
    strict: bool,
) -> Result<()> {
    use rtbcat_app::bidder::performance::{import_report, ImportOptions, ImportProgress};
    use std::sync::atomic::Ordering;
    let store = open_store(&config).await?;
    let mut any_errors = false;
    for file in files {
        let name = file.display().to_string();
        let total_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let reader: Box<dyn Read + Send> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(&file).with_context(|| format!("opening {name}"))?)
        };
        let progress = Arc::new(ImportProgress::default());
        let bar = (!json && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
            let bar = indicatif::ProgressBar::new(total_bytes);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_prefix(name.clone());
            bar
        });
        let ticker = bar.clone().map(|bar| {
            let progress = progress.clone();
            let started = Instant::now();
            tokio::spawn(async move {
                loop {
                    let rows = progress.rows.load(Ordering::Relaxed);
                    bar.set_position(progress.bytes.load(Ordering::Relaxed));
                    let rate = rows as f64 / started.elapsed().as_secs_f64().max(0.001);
                    bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
        });
        let now = clock.now();
        let options = ImportOptions {
            file_name: name.clone(),
            actor: "cli".into(),
            strict,
            now_unix: now.unix_timestamp(),
            today: now.date(),
        };
        let result = import_report(&store, reader, options, progress).await;
        if let Some(ticker) = ticker {
            ticker.abort();
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let report = result?;
        any_errors |= report.errors_total > 0;
        if json {
            println!("{}", serde_json::to_string(&report)?);
            continue;
        }
        let seconds = report.duration_ms as f64 / 1000.0;
        println!(
            "{name}: {} — {} rows in {seconds:.2}s ({:.0} rows/s)",
            report.kind_label,
            report.rows_read,
            report.rows_read as f64 / seconds.max(0.001)
        );
        println!(
            "  imported {}, updated {}, skipped {}, warnings {}{}",
            report.imported,
            report.updated,
            report.skipped,
            report.warnings,
            if report.totals_rows > 0 {
                format!(", totals rows ignored {}", report.totals_rows)
            } else {
                String::new()
            }
        );
        if !report.unknown_creatives.is_empty() {
            println!(
                "  not in the catalog yet (kept; they join when the creatives arrive): {}",
                report.unknown_creatives.join(", ")
            );
        }
        for error in &report.errors {
            println!("  {error}");
        }
        if report.errors_total > report.errors.len() as u64 {
            println!("  … and {} more", report.errors_total - report.errors.len() as u64);
        }
    }
    if any_errors {
        eprintln!("some rows were skipped (see above); the good rows were imported");
    }
    // New data: the alert rules look at it (unless a running server holds the evaluator
    // lease; it then checks on its own schedule).
    let holder = format!("cli-{}", std::process::id());
    let cache = rtbcat_app::bidder::opportunities::OpportunityCache::default();
    match rtbcat_app::bidder::alerts::evaluate(&store, &config, &cache, &holder, clock.unix()).await {
        Ok(r) if r.ran && r.fired + r.cleared > 0 => {
            eprintln!(
                "alerts: {} fired, {} cleared, {} deliveries ({} failed)",
                r.fired, r.cleared, r.deliveries, r.failed_deliveries
            )
        }
        Ok(_) => {}
        Err(e) => eprintln!("alerts could not be checked: {e}"),
    }
    Ok(())
}
