//! `petal`: runs every role of the shop (the default), one role (`petal web`,
//! `petal inventory`, …), or an operator command (`petal restock`, `petal parked`,
//! `petal redrive`, `petal audit`, `petal roles`). The command line is read by clap; the roles'
//! subcommands are made from [`Role::ALL`], so a new role is a new subcommand.
//!
//! Exit codes scripts can trust: 0 done; 1 the command ran and failed (an audit found broken
//! invariants, a role stopped on an error); 2 the command line or the configuration is wrong, or
//! the shop could not be read.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use petal::{telemetry, Application, Role, Settings};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// Petal, the flower shop: run its roles, or look after it.
#[derive(Parser, Debug)]
#[command(
    name = "petal",
    version,
    after_help = "With no command, every role runs in one process: the whole shop.\n\
                  Configuration comes from environment variables: see docs/operations.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Operator>,
}

/// The operator's commands (the roles are added from `Role::ALL`).
#[derive(Subcommand, Debug, PartialEq)]
enum Operator {
    /// Run every role: the whole shop in one process.
    All,
    /// Add arriving stock to a product, with the reason the stock history shows.
    Restock {
        /// The product's slug, as in its page's address (e.g. `red-rose`).
        slug: String,
        /// How many stems arrived (a whole number).
        quantity: i64,
        /// Why, in words (e.g. "morning market").
        #[arg(required = true, num_args = 1..)]
        reason: Vec<String>,
    },
    /// List the messages parked for a context (handled in vain, kept for a person to look at).
    Parked {
        #[arg(value_parser = contexts())]
        context: String,
    },
    /// Send a context's parked messages back to its queue.
    Redrive {
        #[arg(value_parser = contexts())]
        context: String,
    },
    /// Each role on one line: its name, ops port and databases (what deploy/k8s is checked
    /// against).
    Roles,
    /// Check every invariant of the shop's books. Exit 1 if any is broken, naming the ids
    /// involved; 2 if the shop could not be read.
    Audit,
}

/// The contexts that consume events, and so may have parked messages.
fn contexts() -> clap::builder::PossibleValuesParser {
    contracts::subscriptions::ALL
        .iter()
        .map(|subscription| subscription.queue)
        .collect::<Vec<_>>()
        .into()
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Asked {
    Serve(Vec<Role>),
    Operator(Operator),
}

/// The command line with a subcommand per role, from [`Role::ALL`].
fn command() -> clap::Command {
    Role::ALL.iter().fold(Cli::command(), |command, role| {
        command.subcommand(clap::Command::new(role.name()).about(format!(
            "Run the {} role alone: {}",
            role.name(),
            role.about()
        )))
    })
}

/// Reads `args` (without the program name), or the error clap prints (with its exit code).
fn parse(args: impl IntoIterator<Item = String>) -> Result<Asked, clap::Error> {
    let matches =
        command().try_get_matches_from(std::iter::once("petal".to_owned()).chain(args))?;
    if let Some(role) = matches
        .subcommand_name()
        .and_then(|name| name.parse::<Role>().ok())
    {
        return Ok(Asked::Serve(vec![role]));
    }
    match Cli::from_arg_matches(&matches)?.command {
        None | Some(Operator::All) => Ok(Asked::Serve(Role::ALL.to_vec())),
        Some(operator) => Ok(Asked::Operator(operator)),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let asked = match parse(std::env::args().skip(1)) {
        Ok(asked) => asked,
        // --help and --version print and exit 0; a wrong command line prints why and exits 2.
        Err(error) => error.exit(),
    };
    if let Err(error) = telemetry::init() {
        eprintln!("petal: {error:#}");
        return ExitCode::from(2);
    }
    let outcome = match asked {
        Asked::Serve(roles) => serve(&roles).await,
        Asked::Operator(Operator::Restock {
            slug,
            quantity,
            reason,
        }) => restock(&slug, quantity, &reason.join(" ")).await,
        Asked::Operator(Operator::Parked { context }) => parked(false, &context).await,
        Asked::Operator(Operator::Redrive { context }) => parked(true, &context).await,
        Asked::Operator(Operator::Audit) => return audit().await,
        Asked::Operator(Operator::Roles) => {
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
        Asked::Operator(Operator::All) => unreachable!("parsed as serving every role"),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(error)) => {
            eprintln!("petal: {error:#}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(error)) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Why a command did not succeed: what the caller must fix (exit 2), or what went wrong while it
/// ran (exit 1).
enum Failure {
    Usage(anyhow::Error),
    Failed(anyhow::Error),
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        Self::Failed(error.into())
    }
}

fn settings() -> Result<Settings, Failure> {
    Settings::from_env().map_err(Failure::Usage)
}

async fn serve(roles: &[Role]) -> Result<(), Failure> {
    let settings = settings()?;
    tracing::info!(?settings, ?roles, "starting");
    let application = Application::build(&settings, roles)
        .await
        .map_err(Failure::Failed)?;
    tracing::info!(address = %application.local_addr(), ops = %application.ops_addr(), "ready to serve");
    stop_on_signal(application.shutdown_token());
    application.run().await.map_err(Failure::Failed)
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

async fn restock(slug: &str, quantity: i64, reason: &str) -> Result<(), Failure> {
    let restock = inventory::Restock::parse(quantity, reason)
        .map_err(|error| Failure::Usage(error.into()))?;
    let settings = settings()?;
    let store = petal::inventory_store(&settings)
        .await
        .map_err(Failure::Failed)?;
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
            eprintln!("petal: {error:#}");
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

/// Lists (or, with `redrive`, re-drives) the messages parked for `context`.
async fn parked(redrive: bool, context: &str) -> Result<(), Failure> {
    let settings = settings()?;
    let broker = messaging::Broker::new(settings.amqp_url.as_str(), "petal operator");
    let topology = messaging::Topology::new(settings.broker_prefix.as_str());
    if redrive {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn args(line: &str) -> Result<Asked, clap::Error> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn no_command_or_all_runs_every_role_and_a_role_runs_alone() {
        assert_eq!(args("").unwrap(), Asked::Serve(Role::ALL.to_vec()));
        assert_eq!(args("all").unwrap(), Asked::Serve(Role::ALL.to_vec()));
        for role in Role::ALL {
            assert_eq!(args(role.name()).unwrap(), Asked::Serve(vec![*role]));
        }
    }

    #[test]
    fn operator_commands_read_their_arguments() {
        assert_eq!(
            args("restock red-rose 40 morning market").unwrap(),
            Asked::Operator(Operator::Restock {
                slug: "red-rose".into(),
                quantity: 40,
                reason: vec!["morning".into(), "market".into()],
            })
        );
        assert_eq!(
            args("parked payment").unwrap(),
            Asked::Operator(Operator::Parked {
                context: "payment".into()
            })
        );
        assert_eq!(args("audit").unwrap(), Asked::Operator(Operator::Audit));
    }

    #[test]
    fn a_wrong_command_line_says_what_to_fix_and_exits_2() {
        for (line, kind, says) in [
            ("florist", ErrorKind::InvalidSubcommand, "florist"),
            (
                "restock red-rose",
                ErrorKind::MissingRequiredArgument,
                "<QUANTITY>",
            ),
            (
                "restock red-rose many reason",
                ErrorKind::ValueValidation,
                "many",
            ),
            ("parked garden", ErrorKind::InvalidValue, "inventory"),
            ("web --port 1", ErrorKind::UnknownArgument, "--port"),
        ] {
            let error = args(line).expect_err(line);
            assert_eq!(error.kind(), kind, "{line}");
            assert_eq!(error.exit_code(), 2, "{line}");
            let text = error.render().to_string();
            assert!(text.contains(says), "{line}: {text}");
        }
    }

    #[test]
    fn help_names_every_role_and_command() {
        let help = command().render_long_help().to_string();
        for name in Role::ALL
            .iter()
            .map(|role| role.name())
            .chain(["all", "restock", "parked", "redrive", "roles", "audit"])
        {
            assert!(
                help.contains(name),
                "--help does not mention {name}:\n{help}"
            );
        }
        let error = args("--help").expect_err("help is printed, not run");
        assert_eq!(error.kind(), ErrorKind::DisplayHelp);
        assert_eq!(error.exit_code(), 0);
    }
}
