//! `petal`: runs every role of the shop (the default), one role (`petal web`,
//! `petal inventory`), or an operator command (`petal restock`).

use petal::{telemetry, Application, Role, Settings};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

const USAGE: &str = "\
usage:
  petal [all]                            run every role: the whole shop in one process
  petal <role>                           run one role: web, inventory
  petal restock <slug> <quantity> <reason…>
                                         add arriving stock to a product
configuration comes from environment variables; see server/src/config.rs";

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        None | Some("all") => serve(Role::ALL).await,
        Some("restock") => restock(&args[1..]).await,
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(role) => match role.parse::<Role>() {
            Ok(role) => serve(&[role]).await,
            Err(problem) => {
                eprintln!("{problem}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(roles: &[Role]) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    tracing::info!(?settings, ?roles, "starting");
    let application = Application::build(&settings, roles).await?;
    tracing::info!(address = %application.local_addr(), "ready to serve");
    stop_on_signal(application.shutdown_token());
    application.run().await
}

/// SIGTERM (Kubernetes) or Ctrl-C cancels `token`.
fn stop_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        token.cancel();
    });
}

async fn restock(args: &[String]) -> anyhow::Result<()> {
    let [slug, quantity, reason @ ..] = args else {
        anyhow::bail!("restock needs a product, a quantity and a reason\n\n{USAGE}");
    };
    let quantity: i64 = quantity
        .parse()
        .map_err(|_| anyhow::anyhow!("quantity must be a whole number, not {quantity:?}"))?;
    let restock = inventory::Restock::parse(quantity, &reason.join(" "))?;
    let settings = Settings::from_env()?;
    let store = petal::inventory_store(&settings).await?;
    let product = store
        .restock(slug, &restock, "operator (petal restock)")
        .await?;
    println!(
        "{}: {} on hand (revision {})",
        product.slug, product.on_hand, product.revision
    );
    Ok(())
}
