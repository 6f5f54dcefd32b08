//! `petal`: runs every role of the shop (the default), one role (`petal web`,
//! `petal inventory`, …), or an operator command (`petal restock`, `petal parked`,
//! `petal redrive`, `petal audit`).

use petal::{telemetry, Application, Role, Settings};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

const USAGE: &str = "\
usage:
  petal [all]                            run every role: the whole shop in one process
  petal <role>                           run one role: web, inventory, order, payment,
                                         delivery or notification
  petal restock <slug> <quantity> <reason…>
                                         add arriving stock to a product
  petal parked <context>                 list the messages parked for a context
  petal redrive <context>                send them back to the context's queue
  petal roles                            each role: its name, ops port and databases (one line
                                         each; what deploy/k8s is checked against)
  petal audit                            check every invariant of the shop's books; exits 1
                                         if any is broken, naming the ids involved
configuration comes from environment variables; see server/src/config.rs";

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        None | Some("all") => serve(Role::ALL).await,
        Some("restock") => restock(&args[1..]).await,
        Some(command @ ("parked" | "redrive")) => parked(command, &args[1..]).await,
        Some("audit") => return audit().await,
        Some("roles") => {
            for role in Role::ALL {
                println!(
                    "{} {} {}",
                    role.name(),
                    role.ops_port(),
                    role.databases().join(",")
                );
            }
            Ok(())
        }
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
    tracing::info!(address = %application.local_addr(), ops = %application.ops_addr(), "ready to serve");
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
        .restock(slug, &restock, "operator (petal restock)", None)
        .await?;
    println!(
        "{}: {} on hand (revision {})",
        product.slug, product.on_hand, product.revision
    );
    Ok(())
}

/// Prints every broken invariant; the exit code says whether there was any.
async fn audit() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error:#}");
            return ExitCode::from(2);
        }
    };
    match petal::audit::run(&settings).await {
        Ok(violations) if violations.is_empty() => {
            println!("audit: every invariant holds");
            ExitCode::SUCCESS
        }
        Ok(violations) => {
            for violation in &violations {
                println!("VIOLATION {violation}");
            }
            println!("audit: {} invariant violation(s)", violations.len());
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("audit could not read the shop: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Lists or re-drives the messages parked for a context.
async fn parked(command: &str, args: &[String]) -> anyhow::Result<()> {
    let [context] = args else {
        anyhow::bail!("{command} needs a context: inventory, order, payment, delivery, notification or view\n\n{USAGE}");
    };
    let known = contracts::subscriptions::ALL
        .iter()
        .any(|s| s.queue == context);
    anyhow::ensure!(known, "there is no context {context:?} consuming events");
    let settings = Settings::from_env()?;
    let broker = messaging::Broker::new(settings.amqp_url.as_str(), "petal operator");
    let topology = messaging::Topology::new(settings.broker_prefix.as_str());
    if command == "redrive" {
        let moved = messaging::parking::redrive(&broker, &topology, context).await?;
        println!(
            "{moved} message(s) sent back to {}",
            topology.queue(context)
        );
    } else {
        let parked = messaging::parking::list(&broker, &topology, context).await?;
        println!(
            "{} message(s) parked in {}",
            parked.len(),
            topology.parking_queue(context)
        );
        for message in parked {
            match message.envelope {
                Some(envelope) => println!(
                    "{}  {}  {}  correlation {}",
                    envelope.timestamp.to_rfc3339(),
                    envelope.id,
                    envelope.kind,
                    envelope.correlation_id.as_deref().unwrap_or("-")
                ),
                None => println!(
                    "(not an envelope)  routing key {}  {} bytes",
                    message.routing_key,
                    message.body.len()
                ),
            }
        }
    }
    broker.close().await;
    Ok(())
}
