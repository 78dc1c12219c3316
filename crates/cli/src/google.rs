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

#[derive(Subcommand)]
pub enum PretargetingCommand {
    /// Configs as last read; `--refresh` reads them from Google first.
    List {
        #[arg(long)]
        refresh: bool,
        #[arg(long)]
        json: bool,
    },
    /// Dry run: what the changes would do to a config (nothing is stored or sent). With
    /// `--propose`, the change is stored as a proposal for an admin to apply.
    Diff {
        /// `bidders/{bidder}/pretargetingConfigs/{config}`.
        #[arg(long)]
        config: String,
        /// A change as JSON, e.g. '{"field":"includedCreativeDimensions","action":"remove","values":["320x50"]}'; repeatable.
        #[arg(long = "change", required = true)]
        changes: Vec<String>,
        #[arg(long)]
        allow_widening: bool,
        #[arg(long)]
        propose: bool,
    },
    /// Apply a proposal at Google (snapshot, patch, read back, snapshot). Needs --yes.
    Apply {
        #[arg(long)]
        proposal: i64,
        /// The explicit approval: without it nothing is sent.
        #[arg(long)]
        yes: bool,
    },
    /// Put a config back as a snapshot has it. Needs --yes.
    Rollback {
        #[arg(long)]
        snapshot: i64,
        #[arg(long)]
        yes: bool,
    },
}

fn print_diff(diff: &[rtbcat_core::bidder::pretargeting::FieldDiff]) {
    for d in diff {
        println!(
            "  {}: {}{}{}",
            d.path,
            d.removed.iter().map(|v| format!("-{v} ")).collect::<String>(),
            d.added.iter().map(|v| format!("+{v} ")).collect::<String>(),
            if d.widens { "(widens)" } else { "" }
        );
        if d.added.is_empty() && d.removed.is_empty() {
            println!("    {} -> {}", d.before, d.after);
        }
    }
}

pub async fn pretargeting(config: Config, clock: Arc<dyn Clock>, command: PretargetingCommand) -> Result<()> {
    use rtbcat_app::bidder::pretargeting as pt;
    let store = open_store(&config).await?;
    let today = clock.now().date();
    let api = google::GoogleApi::new(&config.google);
    let accounts = || google::accounts(&config.google, &config.data_dir);
    match command {
        PretargetingCommand::List { refresh, json } => {
            let configs = if refresh {
                pt::refresh(&store, &api, &accounts()?, "cli", clock.unix(), today).await?
            } else {
                pt::configs(&store, today).await?
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&configs)?);
            } else if configs.is_empty() {
                println!("no configs read yet: run `rtbcat pretargeting list --refresh`");
            }
            if !json {
                for c in &configs {
                    println!(
                        "{} {} — {}; sizes {}; QPS limit {}; {} waste recommendation(s)",
                        c.name,
                        c.display_name.as_deref().unwrap_or(""),
                        c.state.as_deref().unwrap_or("-"),
                        if c.sizes.is_empty() {
                            "all".to_string()
                        } else {
                            c.sizes.join(",")
                        },
                        c.maximum_qps.as_deref().unwrap_or("none"),
                        c.waste.len()
                    );
                }
            }
        }
        PretargetingCommand::Diff {
            config: name,
            changes,
            allow_widening,
            propose,
        } => {
            let changes = changes
                .iter()
                .map(|c| serde_json::from_str(c).with_context(|| format!("--change {c}")))
                .collect::<Result<Vec<rtbcat_core::bidder::pretargeting::Change>>>()?;
            if propose {
                let view = pt::propose(
                    &store,
                    &name,
                    changes,
                    allow_widening,
                    "manual",
                    None,
                    "cli",
                    clock.unix(),
                    today,
                )
                .await?;
                println!(
                    "proposal {} stored; an admin applies it with `rtbcat pretargeting apply --proposal {} --yes`",
                    view.id, view.id
                );
                print_diff(&view.diff);
            } else {
                let (snapshot, plan) = pt::dry_run(&store, &name, &changes, allow_widening).await?;
                println!(
                    "dry run on snapshot {snapshot} (update mask {}):",
                    plan.update_mask.join(",")
                );
                print_diff(&plan.diff);
                for w in plan.warnings {
                    println!("  warning: {w}");
                }
            }
        }
        PretargetingCommand::Apply { proposal, yes } => {
            if !yes {
                anyhow::bail!("applying changes a live config at Google and may cut QPS; review `GET /pretargeting/proposals/{proposal}` and add --yes");
            }
            let view = pt::apply(&store, &api, &accounts()?, proposal, "cli", clock.unix(), today).await?;
            println!(
                "proposal {}: {}{}",
                view.id,
                view.status,
                view.error.map(|e| format!(" — {e}")).unwrap_or_default()
            );
            print_diff(&view.diff);
            if view.status != "applied" {
                anyhow::bail!("not applied");
            }
        }
        PretargetingCommand::Rollback { snapshot, yes } => {
            if !yes {
                anyhow::bail!("rolling back changes a live config at Google; add --yes");
            }
            let report = pt::rollback(&store, &api, &accounts()?, snapshot, "cli", clock.unix()).await?;
            println!(
                "{} restored to snapshot {} (update mask {}):",
                report.config_name,
                snapshot,
                report.update_mask.join(",")
            );
            print_diff(&report.diff);
        }
    }
    Ok(())
}
