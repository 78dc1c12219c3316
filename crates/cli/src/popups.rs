//! Offer-popup tools from the command line.

use crate::open_store;
use anyhow::{Context, Result};
use clap::Subcommand;
use rtbcat_app::{Clock, Config};
use std::io::Write as _;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum PopupCommand {
    /// Print signed serve tokens for a property's offer, one per line, each a distinct serve:
    /// what a load test or a crash test posts to /api/impression.
    Tokens {
        #[arg(long)]
        property: String,
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

pub async fn popup(config: Config, clock: Arc<dyn Clock>, command: PopupCommand) -> Result<()> {
    match command {
        PopupCommand::Tokens { property, count } => {
            let store = open_store(&config).await?;
            let found = rtbcat_app::popups::properties::list(&store)
                .await?
                .into_iter()
                .find(|p| p.code == property)
                .with_context(|| format!("no property has the code {property:?}"))?;
            let (writer, _task) = rtbcat_app::popups::tracking::EventWriter::start(
                store.clone(),
                1,
                rtbcat_app::platform::metrics::Metrics::new(),
            );
            let tracking = rtbcat_app::popups::tracking::Tracking::new(store, clock, writer).await?;
            let tokens = tracking.load_test_tokens(&found, count).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for token in tokens {
                writeln!(out, "{token}")?;
            }
            out.flush()?;
            Ok(())
        }
    }
}
