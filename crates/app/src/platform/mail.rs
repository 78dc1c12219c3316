//! Outgoing e-mail over SMTP (the `lettre` crate): alerts and scheduled reports.

use crate::config::Config;
use std::time::Duration;

/// A file sent along with a message.
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Sends one message to `to` from the configured sender. Errors say what failed and never
/// carry the SMTP URL, which may hold a password.
pub async fn send(
    config: &Config,
    to: &[String],
    subject: &str,
    text: &str,
    attachment: Option<Attachment>,
) -> Result<(), String> {
    use lettre::message::{header::ContentType, Attachment as Part, MultiPart, SinglePart};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let Some(url) = &config.smtp_url else {
        return Err("no SMTP server is configured (RTBCAT_SMTP_URL)".into());
    };
    let mut builder = Message::builder()
        .from(config.smtp_from.parse().map_err(|e| format!("the From address: {e}"))?)
        .subject(subject);
    for address in to {
        builder = builder.to(address.parse().map_err(|e| format!("the address {address:?}: {e}"))?);
    }
    let message = match attachment {
        None => builder.body(text.to_string()),
        Some(file) => {
            let content_type = ContentType::parse(file.content_type).map_err(|e| e.to_string())?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text.to_string()))
                    .singlepart(Part::new(file.file_name).body(file.bytes, content_type)),
            )
        }
    }
    .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
        .map_err(|_| "RTBCAT_SMTP_URL is not a valid smtp:// or smtps:// URL".to_string())?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("the SMTP server refused or failed: {e}"))
}
