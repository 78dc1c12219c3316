//! Live Authorized Buyers from the command line: seats, syncs, and a fake Google to try
//! the flow without an account.

use crate::open_store;
use anyhow::{Context, Result};
use clap::Subcommand;
use rtbcat_app::bidder::google;
use rtbcat_app::{Clock, Config};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum SeatsCommand {
    /// Ask Google which seats the configured keys can see (bidders.list, buyers.list).
    Discover {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The seats rtbcat knows, with creatives, last sync and errors.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DevCommand {
    /// Run a local stand-in for Google's token endpoint and Real-time Bidding API, with the
    /// demo seats and creatives; it writes a service-account key for itself and prints the
    /// settings that point rtbcat at it.
    FakeGoogle {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8091")]
        addr: String,
        /// Where to write the fake's service-account key file.
        #[arg(long, default_value = "fake-google-key.json")]
        key_out: PathBuf,
        /// How many demo creatives it serves.
        #[arg(long, default_value_t = 200)]
        creatives: usize,
    },
}

/// A Unix time as `2026-11-29 09:20 UTC`.
fn when(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn print_seats(seats: &[google::SeatView]) {
    if seats.is_empty() {
        println!("no seats yet: run `rtbcat seats discover` (needs RTBCAT_GOOGLE_KEY_FILE) or import creatives");
    }
    for s in seats {
        println!(
            "{:<12} {:<32} bidder {:<10} {:>6} creatives here, {:>6} active at Google, last sync {}{}",
            s.buyer_id,
            s.display_name.as_deref().unwrap_or("-"),
            s.bidder_account_id.as_deref().unwrap_or("-"),
            s.creative_count,
            s.active_creative_count.map_or_else(|| "-".into(), |n| n.to_string()),
            s.last_sync.map_or_else(|| "never".into(), when),
            s.last_sync_error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        );
    }
}

pub async fn seats(config: Config, clock: Arc<dyn Clock>, command: SeatsCommand) -> Result<()> {
    let store = open_store(&config).await?;
    match command {
        SeatsCommand::List { json } => {
            let seats = google::seats(&store).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&seats)?);
            } else {
                print_seats(&seats);
            }
        }
        SeatsCommand::Discover { json } => {
            let accounts = google::accounts(&config.google, &config.data_dir)?;
            let api = google::GoogleApi::new(&config.google);
            let report = google::discover(&store, &api, &accounts, "cli", clock.unix()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for k in &report.keys {
                    println!("key {} ({})", k.client_email, k.source);
                }
                println!("found {} seat(s)", report.found);
                print_seats(&report.seats);
            }
        }
    }
    Ok(())
}

/// `rtbcat sync [--seat ID]`: one seat, or every discovered seat.
pub async fn sync(config: Config, clock: Arc<dyn Clock>, seat: Option<String>, json: bool) -> Result<()> {
    let store = open_store(&config).await?;
    let accounts = google::accounts(&config.google, &config.data_dir)?;
    let api = google::GoogleApi::new(&config.google);
    let outcomes: Vec<Result<google::SyncView, String>> = match seat {
        Some(id) => vec![google::sync_seat(
            &store,
            &api,
            &accounts,
            &id,
            "cli",
            &config.buyers_ui_template,
            clock.as_ref(),
        )
        .await
        .map_err(|e| e.to_string())],
        None => {
            google::sync_all(
                &store,
                &api,
                &accounts,
                "cli",
                &config.buyers_ui_template,
                clock.as_ref(),
            )
            .await?
        }
    };
    if outcomes.is_empty() {
        println!("no discovered seats to sync: run `rtbcat seats discover` first");
    }
    let mut failed = 0;
    for outcome in &outcomes {
        match outcome {
            Ok(run) => {
                if json {
                    println!("{}", serde_json::to_string(run)?);
                } else {
                    println!(
                        "seat {}: {} — {} page(s), {} creatives ({} new, {} changed, {} unchanged, {} refused){}",
                        run.buyer_id,
                        run.status,
                        run.pages,
                        run.creatives,
                        run.inserted,
                        run.updated,
                        run.unchanged,
                        run.rejected,
                        run.error.as_deref().map(|e| format!("; {e}")).unwrap_or_default()
                    );
                }
                if run.status == "failed" {
                    failed += 1;
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} sync(s) failed");
    }
    if outcomes.iter().any(|o| o.as_ref().is_ok_and(|r| r.inserted > 0)) {
        rtbcat_app::bidder::alerts::evaluate(
            &store,
            &config,
            &Default::default(),
            &format!("cli-{}", std::process::id()),
            clock.unix(),
        )
        .await
        .ok();
    }
    Ok(())
}

pub async fn dev(command: DevCommand) -> Result<()> {
    match command {
        DevCommand::FakeGoogle {
            addr,
            key_out,
            creatives,
        } => {
            let document =
                rtbcat_app::bidder::demo::creatives_document(rtbcat_app::bidder::demo::DEFAULT_SEED, creatives);
            let list = document["creatives"].as_array().cloned().unwrap_or_default();
            let state = rtbcat_web::dev::fake_google::state_with("9000001", &rtbcat_app::bidder::demo::SEATS, list);
            let (fake, server) = rtbcat_web::dev::fake_google::FakeGoogle::start(&addr, state)
                .await
                .with_context(|| format!("listening on {addr}"))?;
            std::fs::write(&key_out, fake.key_json()).with_context(|| format!("writing {}", key_out.display()))?;
            println!("fake Google listening on {}", fake.base_url);
            println!("its service-account key: {}", key_out.display());
            println!("point rtbcat at it (in another shell):");
            println!(
                "  RTBCAT_GOOGLE_KEY_FILE={} RTBCAT_GOOGLE_API_URL={} rtbcat serve",
                key_out.display(),
                fake.api_url()
            );
            println!("then Seats → Discover seats → Sync now, or `rtbcat seats discover` and `rtbcat sync`");
            tokio::select! {
                _ = server => {},
                _ = tokio::signal::ctrl_c() => {},
            }
            Ok(())
        }
    }
}
