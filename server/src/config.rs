//! Configuration from environment variables, with defaults that run the shop on one machine
//! against the local PostgreSQL and RabbitMQ.
//!
//! Every variable, its default and its meaning: `docs/operations.md` (a test keeps the two in
//! step).

use anyhow::{bail, Context};

use std::{fmt, net::SocketAddr};

#[derive(Clone)]
pub struct Settings {
    pub postgres_url: String,
    pub mariadb_url: String,
    pub database_prefix: String,
    pub amqp_url: String,
    pub broker_prefix: String,
    pub pool_size: u32,
    pub demo_catalog: bool,
    pub reservation_hold: std::time::Duration,
    pub same_day_cutoff_hour: u32,
    pub ops_host: std::net::IpAddr,
    pub ops_port: Option<u16>,
    pub site_addr: SocketAddr,
    pub site_root: String,
    /// The staff account's email and password, from `PETAL_STAFF_EMAIL` and
    /// `PETAL_STAFF_PASSWORD`; without both there is no staff account.
    pub staff: Option<(String, String)>,
    /// Whether the shop is served over HTTPS (`PETAL_SECURE_COOKIES`): Secure `__Host-`
    /// cookies, HSTS.
    pub secure_cookies: bool,
    /// Whether the per-client limits apply (`PETAL_RATE_LIMITS`).
    pub rate_limits: bool,
    /// Which address a client's requests count against (`PETAL_CLIENT_ADDRESS`).
    pub client_address: crate::edge::ClientAddress,
    /// `(context, url)` for contexts whose database is configured on its own.
    pub database_overrides: Vec<(String, String)>,
    /// How often expired sessions are deleted (`PETAL_SESSION_SWEEP_SECS`).
    pub session_sweep: std::time::Duration,
    /// How often open live streams check that their session still holds
    /// (`PETAL_LIVE_RECHECK_SECS`): a sign-out on another instance ends them within this.
    pub live_recheck: std::time::Duration,
    /// Whether petal creates a context's database when it is missing (`PETAL_CREATE_DATABASES`).
    pub create_databases: bool,
    /// How long the fake card processor takes to answer.
    pub processor_latency: std::time::Duration,
    /// Fault injection: the share of the fake card processor's answers that are lost.
    pub lost_processor_answers: f64,
    /// Fault injection: RPC answers sent after their caller gave up.
    pub late_replies: messaging::rpc::LateReplies,
}

impl Settings {
    /// Reads the environment; a value that is set but unusable is an error naming the variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        let number = |name: &str, default: &str, range: std::ops::RangeInclusive<u64>| {
            let raw = get(name, default);
            raw.parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .with_context(|| {
                    format!(
                        "{name} must be a whole number from {} to {}, not {raw:?}",
                        range.start(),
                        range.end()
                    )
                })
        };
        let pool_size = number("PETAL_DB_POOL_SIZE", "10", 1..=200)? as u32;
        let switch = |name: &str, default: &str| match get(name, default).as_str() {
            "on" | "true" | "1" => Ok(true),
            "off" | "false" | "0" => Ok(false),
            other => Err(anyhow::anyhow!("{name} must be on or off, not {other:?}")),
        };
        let demo_catalog = switch("PETAL_DEMO_CATALOG", "on")?;
        let ops_port =
            match lookup("PETAL_OPS_PORT") {
                None => None,
                Some(port) => Some(port.parse::<u16>().with_context(|| {
                    format!("PETAL_OPS_PORT must be a port number, not {port:?}")
                })?),
            };
        let ops_host = get("PETAL_OPS_HOST", "127.0.0.1");
        let ops_host: std::net::IpAddr = ops_host.parse().with_context(|| {
            format!("PETAL_OPS_HOST must be an IP address like 0.0.0.0, not {ops_host:?}")
        })?;
        let site_addr = get("LEPTOS_SITE_ADDR", "127.0.0.1:3000");
        let site_addr: SocketAddr = site_addr.parse().with_context(|| {
            format!("LEPTOS_SITE_ADDR must be host:port like 127.0.0.1:3000, not {site_addr:?}")
        })?;
        // Plain http is for a shop on one machine only: anywhere else the cookies are Secure.
        let secure_cookies = switch(
            "PETAL_SECURE_COOKIES",
            if site_addr.ip().is_loopback() {
                "off"
            } else {
                "on"
            },
        )?;
        let client_address =
            crate::edge::ClientAddress::parse(&get("PETAL_CLIENT_ADDRESS", "peer"))
                .map_err(|problem| anyhow::anyhow!("PETAL_CLIENT_ADDRESS {problem}"))?;
        let database_prefix = get("PETAL_DATABASE_PREFIX", "petal");
        if database_prefix.is_empty()
            || !database_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            bail!("PETAL_DATABASE_PREFIX may hold only lowercase letters, digits and _, not {database_prefix:?}");
        }
        let overrides: Vec<(String, String)> = crate::roles::Role::ALL
            .iter()
            .flat_map(|role| role.databases())
            .filter_map(|context| {
                let var = format!("PETAL_{}_DATABASE_URL", context.to_uppercase());
                lookup(&var).map(|url| ((*context).to_owned(), url))
            })
            .collect();
        let lost_processor_answers = get("PETAL_FAULT_LOST_PROCESSOR_ANSWERS", "0");
        let lost_processor_answers = lost_processor_answers
            .parse::<f64>()
            .ok()
            .filter(|share| (0.0..=1.0).contains(share))
            .with_context(|| {
                format!("PETAL_FAULT_LOST_PROCESSOR_ANSWERS must be a number from 0 to 1, not {lost_processor_answers:?}")
            })?;
        let late_replies = messaging::rpc::LateReplies::parse(
            &get("PETAL_FAULT_LATE_REPLIES", ""),
            std::time::Duration::from_secs(number("PETAL_FAULT_LATE_REPLY_SECS", "8", 1..=600)?),
        )
        .map_err(|problem| anyhow::anyhow!("PETAL_FAULT_LATE_REPLIES: {problem}"))?;
        Ok(Self {
            postgres_url: get("PETAL_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
                .trim_end_matches('/')
                .to_owned(),
            mariadb_url: get(
                "PETAL_MARIADB_URL",
                "mysql://root@127.0.0.1:3306?ssl-mode=disabled",
            ),
            database_prefix,
            amqp_url: get("PETAL_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
            broker_prefix: get("PETAL_BROKER_PREFIX", "petal"),
            pool_size,
            demo_catalog,
            reservation_hold: std::time::Duration::from_secs(number(
                "PETAL_RESERVATION_HOLD_SECS",
                "900",
                1..=86_400,
            )?),
            same_day_cutoff_hour: number("PETAL_SAME_DAY_CUTOFF_HOUR", "14", 0..=24)? as u32,
            ops_host,
            ops_port,
            site_addr,
            site_root: get("LEPTOS_SITE_ROOT", "target/site"),
            database_overrides: overrides,
            lost_processor_answers,
            late_replies,
            session_sweep: std::time::Duration::from_secs(number(
                "PETAL_SESSION_SWEEP_SECS",
                "600",
                1..=86_400,
            )?),
            live_recheck: std::time::Duration::from_secs(number(
                "PETAL_LIVE_RECHECK_SECS",
                "60",
                1..=3_600,
            )?),
            create_databases: switch("PETAL_CREATE_DATABASES", "on")?,
            processor_latency: std::time::Duration::from_millis(number(
                "PETAL_FAKE_PROCESSOR_LATENCY_MS",
                "0",
                0..=60_000,
            )?),
            staff: match (lookup("PETAL_STAFF_EMAIL"), lookup("PETAL_STAFF_PASSWORD")) {
                (Some(email), Some(password)) => Some((email, password)),
                (None, None) => None,
                _ => bail!("set both PETAL_STAFF_EMAIL and PETAL_STAFF_PASSWORD, or neither"),
            },
            secure_cookies,
            rate_limits: switch("PETAL_RATE_LIMITS", "on")?,
            client_address,
        })
    }

    /// The database URL of `context` (`inventory`, `view`, …).
    pub fn database_url(&self, context: &str) -> String {
        self.database_overrides
            .iter()
            .find(|(name, _)| name == context)
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| {
                let server = if context == notification::CONTEXT {
                    &self.mariadb_url
                } else {
                    &self.postgres_url
                };
                // The database goes between the server and any options: `host/db?options`.
                let (base, options) = server.split_once('?').unwrap_or((server, ""));
                let options = if options.is_empty() {
                    String::new()
                } else {
                    format!("?{options}")
                };
                format!(
                    "{}/{}_{context}{options}",
                    base.trim_end_matches('/'),
                    self.database_prefix
                )
            })
    }
}

/// Connection strings may hold passwords, so they are never printed.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_prefix", &self.database_prefix)
            .field("broker_prefix", &self.broker_prefix)
            .field("pool_size", &self.pool_size)
            .field("demo_catalog", &self.demo_catalog)
            .field("site_addr", &self.site_addr)
            .field("site_root", &self.site_root)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;
    use std::collections::{BTreeSet, HashMap};

    #[test]
    fn every_variable_is_documented() {
        let asked = std::sync::Mutex::new(BTreeSet::new());
        Settings::from_lookup(|name| {
            let name = match name.strip_suffix("_DATABASE_URL") {
                Some(_) => "PETAL_<CONTEXT>_DATABASE_URL",
                None => name,
            };
            asked.lock().unwrap().insert(name.to_owned());
            None
        })
        .unwrap();
        let asked = asked.into_inner().unwrap();
        let doc = include_str!("../../docs/operations.md");
        // The table's first column: `NAME`, or `NAME`, `NAME`.
        let documented: BTreeSet<String> = doc
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|line| line.split(" | ").next())
            .flat_map(|names| names.split(", "))
            .map(|name| name.trim_matches('`').to_owned())
            // Read by the log subscriber before the settings (`telemetry`).
            .filter(|name| !["RUST_LOG", "PETAL_LOG_FORMAT"].contains(&name.as_str()))
            // Variables are upper case; the commands' table has `petal …` and role names.
            .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
            .collect();
        assert_eq!(
            asked, documented,
            "docs/operations.md's configuration table and the variables read differ"
        );
    }

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_the_shop_locally() {
        let settings = settings(&[]).unwrap();
        assert_eq!(
            settings.database_url("inventory"),
            "postgres://postgres@127.0.0.1:5432/petal_inventory"
        );
        assert_eq!(
            settings.database_url("notification"),
            "mysql://root@127.0.0.1:3306/petal_notification?ssl-mode=disabled"
        );
        assert_eq!(settings.site_addr.to_string(), "127.0.0.1:3000");
        assert!(settings.demo_catalog);
    }

    #[test]
    fn cookies_are_secure_unless_the_shop_is_on_this_machine_only() {
        assert!(
            !settings(&[]).unwrap().secure_cookies,
            "http://127.0.0.1:3000"
        );
        let public = settings(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000")]).unwrap();
        assert!(public.secure_cookies, "behind an HTTPS ingress");
        let plain = [
            ("LEPTOS_SITE_ADDR", "0.0.0.0:3000"),
            ("PETAL_SECURE_COOKIES", "off"),
        ];
        assert!(!settings(&plain).unwrap().secure_cookies, "said explicitly");
    }

    #[test]
    fn a_context_database_can_be_configured_on_its_own() {
        let settings = settings(&[
            ("PETAL_VIEW_DATABASE_URL", "postgres://reader@db/view"),
            ("PETAL_DATABASE_PREFIX", "shop2"),
        ])
        .unwrap();
        assert_eq!(settings.database_url("view"), "postgres://reader@db/view");
        assert_eq!(
            settings.database_url("inventory"),
            "postgres://postgres@127.0.0.1:5432/shop2_inventory"
        );
    }

    #[test]
    fn unusable_values_name_their_variable() {
        for (var, value) in [
            ("PETAL_DB_POOL_SIZE", "zero"),
            ("PETAL_DEMO_CATALOG", "maybe"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("PETAL_DATABASE_PREFIX", "Petal-Shop"),
            ("PETAL_FAULT_LOST_PROCESSOR_ANSWERS", "2"),
            ("PETAL_FAULT_LATE_REPLIES", "inventory.reserve"),
            ("PETAL_SECURE_COOKIES", "sometimes"),
            ("PETAL_CLIENT_ADDRESS", "the-first-one"),
            ("PETAL_OPS_HOST", "ops.internal"),
        ] {
            let error = settings(&[(var, value)]).unwrap_err().to_string();
            assert!(error.contains(var), "{error}");
        }
    }

    #[test]
    fn debug_output_never_shows_connection_strings() {
        let settings = settings(&[("PETAL_AMQP_URL", "amqp://user:s3cret@host")]).unwrap();
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
