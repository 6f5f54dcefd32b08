//! Logs: structured `tracing` output filtered by `RUST_LOG` (default `info`), as text for a
//! person or as one JSON object per line for a log collector (`PETAL_LOG_FORMAT=json`).

use tracing_subscriber::EnvFilter;

/// Installs the process's log subscriber; a `PETAL_LOG_FORMAT` other than `text` or `json` is
/// refused with a message naming it.
pub fn init() -> anyhow::Result<()> {
    init_with(std::env::var("PETAL_LOG_FORMAT").ok().as_deref())
}

fn init_with(format: Option<&str>) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,lapin=warn,tower_http=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    // Another subscriber already installed (tests) is fine.
    let _ = match format.unwrap_or("text") {
        "text" => logs.try_init(),
        "json" => logs.json().with_current_span(true).try_init(),
        other => anyhow::bail!("PETAL_LOG_FORMAT must be text or json, not {other:?}"),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unknown_log_format_is_refused_by_name() {
        let error = super::init_with(Some("xml")).unwrap_err().to_string();
        assert!(
            error.contains("PETAL_LOG_FORMAT") && error.contains("xml"),
            "{error}"
        );
    }
}
